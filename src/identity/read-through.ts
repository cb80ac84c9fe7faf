import type { ContextStore } from '../ports/context-store.js'
import { LocalCache } from './local-cache.js'

export type LookupSource = 'local' | 'store' | 'database' | 'stale'

interface ReadThroughOptions<V> {
  store: ContextStore
  /** The shared store's name for an id (`key:<hash>`, `team:<id>`). */
  name(id: string): string
  /** The database read; null/absent answers are cached too. */
  load(id: string): Promise<V>
  /** How a value travels through the shared store (kept stable: replicas of other versions read it). */
  encode(value: V): string
  decode(text: string): V
  /** Fresh life of the in-process copy; change notices drop it sooner. */
  localTtlMs?: number
  /** Life of a copy in the shared store, by value (misses may live shorter). */
  storeTtlMs(value: V): number
  onStoreError?: ((err: unknown) => void) | undefined
  onLookup?: ((source: LookupSource) => void) | undefined
}

/**
 * The one read-through cache in front of the database for keys and teams: the in-process copy, then
 * the shared store (Redis or in-process), then the database, whose answer is written back to the store
 * (if absent: a newer write wins). When the store and the database both fail, the last copy seen
 * answers, so what was already seen keeps working through an outage.
 */
export class ReadThrough<V> {
  private readonly local: LocalCache<V>

  constructor(private readonly o: ReadThroughOptions<V>) {
    this.local = new LocalCache<V>(o.localTtlMs ?? 5_000)
  }

  async get(id: string): Promise<V> {
    const hit = this.local.fresh(id)
    if (hit !== undefined) {
      this.o.onLookup?.('local')
      return hit
    }
    const epoch = this.local.epoch()
    const name = this.o.name(id)
    try {
      const [v] = (await this.o.store.read([name])).values
      if (v !== null && v !== undefined) {
        const value = this.o.decode(v)
        this.local.set(id, value, undefined, epoch)
        this.o.onLookup?.('store')
        return value
      }
    } catch (err) {
      this.o.onStoreError?.(err)
    }
    try {
      const value = await this.o.load(id)
      this.local.set(id, value, undefined, epoch)
      this.o.store.write(name, this.o.encode(value), this.o.storeTtlMs(value), { ifAbsent: true }).catch((err) => this.o.onStoreError?.(err))
      this.o.onLookup?.('database')
      return value
    } catch (err) {
      const stale = this.local.stale(id)
      if (stale !== undefined) {
        this.o.onLookup?.('stale')
        return stale
      }
      throw err
    }
  }

  /** Drops the in-process copy (on a change notice); null drops everything. */
  forget(id: string | null): void {
    if (id === null) this.local.clear()
    else this.local.delete(id)
  }
}
