import { Redis, type RedisOptions } from 'ioredis'
import { ALL_CHANGED, type ContextRead, type ContextStore, type SessionBounds, type StoredTurn, type WriteOptions } from '../../ports/context-store.js'

/**
 * Appends one turn (`<tokens>|<data>`), keeps the last ARGV[2] turns, then drops the oldest until
 * the token sum fits ARGV[3], and refreshes the TTL (ms, ARGV[4]). Atomic: concurrent appends to a
 * session never interleave with the trimming. Returns the number of turns kept.
 */
const APPEND_TURN = `
local key = KEYS[1]
local maxTurns = tonumber(ARGV[2])
local maxTokens = tonumber(ARGV[3])
redis.call('RPUSH', key, ARGV[1])
redis.call('LTRIM', key, -maxTurns, -1)
local items = redis.call('LRANGE', key, 0, -1)
local total = 0
local sizes = {}
for i = 1, #items do
  sizes[i] = tonumber(string.match(items[i], '^(%d+)|')) or 0
  total = total + sizes[i]
end
local drop = 0
while total > maxTokens and drop < #items do
  drop = drop + 1
  total = total - sizes[drop]
end
if drop == #items then
  redis.call('DEL', key)
  return 0
end
if drop > 0 then redis.call('LTRIM', key, drop, -1) end
redis.call('PEXPIRE', key, ARGV[4])
return #items - drop
`

interface RedisWithScripts extends Redis {
  syAppendTurn(key: string, entry: string, maxTurns: number, maxTokens: number, ttlMs: number): Promise<number>
}

interface RedisContextStoreOptions {
  url: string
  /** Prepended to every key and to the change channel (tests use a random one). */
  prefix?: string
  /** A command waits at most this long (a stalled Redis must not stall requests). */
  commandTimeoutMs?: number
  /** Extra ioredis options. */
  redis?: RedisOptions
}

/**
 * ContextStore on Redis. Every key carries a hash tag of its own (`<prefix>{key:...}`), so each
 * Lua script touches one slot and the layout works on Redis Cluster; the reads of one request
 * are issued in the same tick and auto-pipelined into one round trip. Commands fail fast while
 * Redis is unreachable (no offline queue, a command timeout); callers decide what that means.
 */
export class RedisContextStore implements ContextStore {
  readonly kind = 'redis'
  private readonly redis: RedisWithScripts
  private subscriber: Redis | null = null
  private readonly listeners = new Set<(name: string) => void>()
  private readonly prefix: string
  private readonly channel: string

  constructor(opts: RedisContextStoreOptions) {
    this.prefix = opts.prefix ?? 'sy:'
    this.channel = `${this.prefix}changes`
    this.redis = new Redis(opts.url, {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: opts.commandTimeoutMs ?? 500,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      lazyConnect: false,
      ...opts.redis,
    }) as RedisWithScripts
    this.redis.on('error', () => {
      // reported through failed commands and readiness; the client reconnects by itself
    })
    this.redis.defineCommand('syAppendTurn', { numberOfKeys: 1, lua: APPEND_TURN })
  }

  /** Resolves once connected, or after timeoutMs (the gateway then starts degraded). */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (this.redis.status === 'ready') return true
    return await new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer)
        this.redis.off('ready', onReady)
        resolve(ok)
      }
      const onReady = () => done(true)
      const timer = setTimeout(() => done(false), timeoutMs)
      this.redis.once('ready', onReady)
    })
  }

  /** Round trip to Redis (readiness). Throws when unreachable. */
  async ping(): Promise<void> {
    await this.redis.ping()
  }

  private recordKey(name: string): string {
    return `${this.prefix}{${name}}`
  }

  private sessionKey(session: string): string {
    return `${this.prefix}{s:${session}}:turns`
  }

  async read(names: readonly string[], session?: string | null): Promise<ContextRead> {
    const gets = names.map((n) => this.redis.get(this.recordKey(n)))
    const range = session ? this.redis.lrange(this.sessionKey(session), 0, -1) : Promise.resolve([] as string[])
    const [values, raw] = await Promise.all([Promise.all(gets), range])
    return { values, turns: raw.map(decodeTurn) }
  }

  async write(name: string, value: string | null, ttlMs: number, opts: WriteOptions = {}): Promise<void> {
    const key = this.recordKey(name)
    const ops: Array<Promise<unknown>> = []
    if (value !== null && ttlMs > 0) ops.push(opts.ifAbsent ? this.redis.set(key, value, 'PX', ttlMs, 'NX') : this.redis.set(key, value, 'PX', ttlMs))
    else if (!opts.ifAbsent) ops.push(this.redis.del(key))
    if (opts.announce) ops.push(this.redis.publish(this.channel, name))
    await Promise.all(ops)
  }

  async appendTurn(session: string, turn: StoredTurn, bounds: SessionBounds): Promise<number> {
    const entry = `${Math.max(0, Math.round(turn.tokens))}|${turn.data}`
    return Number(await this.redis.syAppendTurn(this.sessionKey(session), entry, bounds.maxTurns, bounds.maxTokens, Math.max(1, Math.round(bounds.ttlMs))))
  }

  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener)
    if (!this.subscriber) this.subscribe()
    return () => void this.listeners.delete(listener)
  }

  private subscribe(): void {
    // a subscribed connection cannot run other commands: a second connection, which queues
    // SUBSCRIBE until connected and re-subscribes after every reconnect
    const sub = this.redis.duplicate({ enableOfflineQueue: true, enableAutoPipelining: false, commandTimeout: undefined, maxRetriesPerRequest: null })
    this.subscriber = sub
    let readyBefore = false
    sub.on('error', () => {})
    sub.on('ready', () => {
      // notices sent while we were disconnected are lost: tell listeners to drop everything
      if (readyBefore) this.emit(ALL_CHANGED)
      readyBefore = true
    })
    sub.on('message', (channel: string, name: string) => {
      if (channel === this.channel) this.emit(name)
    })
    sub.subscribe(this.channel).catch(() => {})
  }

  private emit(name: string): void {
    for (const l of this.listeners) {
      try {
        l(name)
      } catch {
        // a listener's failure is its own
      }
    }
  }

  async close(): Promise<void> {
    this.listeners.clear()
    this.redis.disconnect()
    this.subscriber?.disconnect()
  }
}

function decodeTurn(entry: string): StoredTurn {
  const bar = entry.indexOf('|')
  return { tokens: Number(entry.slice(0, bar)) || 0, data: entry.slice(bar + 1) }
}
