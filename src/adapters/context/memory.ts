import { ALL_CHANGED, type ContextRead, type ContextStore, type SessionBounds, type StoredTurn, type WriteOptions } from '../../ports/context-store.js'

interface Entry<T> {
  value: T
  expiresAt: number
}

/**
 * The embedded ContextStore: one process, the same semantics as Redis (TTLs, bounded sessions,
 * change notices delivered to this process's listeners). Bounded: the oldest entries go first.
 */
export class MemoryContextStore implements ContextStore {
  readonly kind = 'memory'
  private readonly records = new Map<string, Entry<string>>()
  private readonly sessions = new Map<string, Entry<StoredTurn[]>>()
  private readonly listeners = new Set<(name: string) => void>()

  constructor(private readonly opts: { now?: () => number; maxEntries?: number } = {}) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now()
  }

  private live<T>(map: Map<string, Entry<T>>, name: string): T | null {
    const e = map.get(name)
    if (!e) return null
    if (e.expiresAt <= this.now()) {
      map.delete(name)
      return null
    }
    return e.value
  }

  private bound<T>(map: Map<string, Entry<T>>): void {
    const max = this.opts.maxEntries ?? 100_000
    while (map.size > max) map.delete(map.keys().next().value as string)
  }

  async read(names: readonly string[], session?: string | null): Promise<ContextRead> {
    const values = names.map((n) => this.live(this.records, n))
    const turns = session ? (this.live(this.sessions, session) ?? []).map((t) => ({ ...t })) : []
    return { values, turns }
  }

  async write(name: string, value: string | null, ttlMs: number, opts: WriteOptions = {}): Promise<void> {
    if (opts.ifAbsent && this.live(this.records, name) !== null) return
    this.records.delete(name)
    if (value !== null && ttlMs > 0) {
      this.records.set(name, { value, expiresAt: this.now() + ttlMs })
      this.bound(this.records)
    }
    if (opts.announce) for (const l of this.listeners) l(name)
  }

  async appendTurn(session: string, turn: StoredTurn, bounds: SessionBounds): Promise<number> {
    const turns = [...(this.live(this.sessions, session) ?? []), { tokens: Math.max(0, Math.round(turn.tokens)), data: turn.data }]
    const kept = turns.slice(-bounds.maxTurns)
    let total = kept.reduce((n, t) => n + t.tokens, 0)
    while (kept.length > 0 && total > bounds.maxTokens) total -= kept.shift()!.tokens
    this.sessions.delete(session)
    if (kept.length === 0) return 0
    this.sessions.set(session, { value: kept, expiresAt: this.now() + bounds.ttlMs })
    this.bound(this.sessions)
    return kept.length
  }

  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  /** For symmetry with Redis: tells listeners everything may have changed. */
  resync(): void {
    for (const l of this.listeners) l(ALL_CHANGED)
  }

  async close(): Promise<void> {
    this.listeners.clear()
  }
}
