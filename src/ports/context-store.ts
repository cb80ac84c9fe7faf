/**
 * Shared, fast, expiring context: cached key and team records, session turns, and change
 * notices between replicas. Redis in production (src/adapters/context/redis.ts), an in-process
 * store otherwise (src/adapters/context/memory.ts). Both pass test/contract/context-store.test.ts.
 *
 * Record names are opaque strings chosen by the caller (`key:<sha256>`, `team:<id>`); values are
 * opaque strings (JSON). The store never interprets them.
 */
export interface SessionBounds {
  /** Most recent turns kept. */
  maxTurns: number
  /** Sum of the kept turns' token counts; the oldest turns are dropped first. */
  maxTokens: number
  /** The session expires this long after its last append. */
  ttlMs: number
}

export interface StoredTurn {
  tokens: number
  data: string
}

export interface ContextRead {
  /** One per requested name, in order; null when absent or expired. */
  values: Array<string | null>
  /** The session's turns, oldest first (empty when no session was asked for or it is unknown). */
  turns: StoredTurn[]
}

export interface WriteOptions {
  ifAbsent?: boolean
  announce?: boolean
}

export interface ContextStore {
  /** 'redis' or 'memory': shown by readiness and the startup log. */
  readonly kind: string
  /** Records by name and (optionally) one session's turns, in a single round trip. */
  read(names: readonly string[], session?: string | null): Promise<ContextRead>
  /**
   * Caches a record for ttlMs (null deletes it). `ifAbsent`: only when no value is cached (cache
   * fills use it, so a fill racing a change cannot overwrite the newer value). `announce`: every
   * replica's change listeners (this one's included) are told the name changed.
   */
  write(name: string, value: string | null, ttlMs: number, opts?: WriteOptions): Promise<void>
  /** Atomically appends a turn, drops the oldest beyond the bounds and refreshes the TTL. Returns the turns kept. */
  appendTurn(session: string, turn: StoredTurn, bounds: SessionBounds): Promise<number>
  /**
   * Listens for announced changes. The name `*` means "anything may have changed" (sent after a
   * lost connection comes back, since notices may have been missed). Returns the unsubscribe function.
   */
  onChange(listener: (name: string) => void): () => void
  close(): Promise<void>
}

/** The name listeners receive when every cached record must be dropped. */
export const ALL_CHANGED = '*'
