import type { ContextStore } from '../ports/context-store.js'
import type { KeyRepository } from '../ports/key-repository.js'
import { LocalCache } from './local-cache.js'
import type { ApiKeyRecord } from './records.js'

export const keyName = (hash: string): string => `key:${hash}`

export type KeySource = 'local' | 'store' | 'database' | 'stale'

export interface KeyDirectoryDeps {
  store: ContextStore
  repo: KeyRepository
  /** Fresh life of the in-process copy; change notices drop it sooner. */
  localTtlMs?: number
  /** Life of a copy in the shared store (unknown hashes: a tenth of it). */
  storeTtlMs?: number
  onStoreError?: (err: unknown) => void
  onLookup?: (source: KeySource) => void
}

/**
 * Key records by SHA-256: in-process cache, then the shared store, then the database. A miss is
 * cached too (an unknown hash costs the database once per TTL, not once per request). When the
 * store and the database both fail, the last copy seen answers: keys already seen keep working.
 */
export class KeyDirectory {
  private readonly local: LocalCache<ApiKeyRecord | null>

  constructor(private readonly deps: KeyDirectoryDeps) {
    this.local = new LocalCache(deps.localTtlMs ?? 5_000)
  }

  async find(hash: string): Promise<ApiKeyRecord | null> {
    const hit = this.local.fresh(hash)
    if (hit !== undefined) {
      this.deps.onLookup?.('local')
      return hit
    }
    const epoch = this.local.epoch()
    const name = keyName(hash)
    const storeTtl = this.deps.storeTtlMs ?? 300_000
    try {
      const [v] = (await this.deps.store.read([name])).values
      if (v !== null && v !== undefined) {
        const rec = JSON.parse(v) as { key: ApiKeyRecord | null }
        this.local.set(hash, rec.key, undefined, epoch)
        this.deps.onLookup?.('store')
        return rec.key
      }
    } catch (err) {
      this.deps.onStoreError?.(err)
    }
    try {
      const rec = await this.deps.repo.findByHash(hash)
      this.local.set(hash, rec, undefined, epoch)
      this.deps.store.write(name, JSON.stringify({ key: rec }), rec ? storeTtl : Math.ceil(storeTtl / 10), { ifAbsent: true }).catch((err) => this.deps.onStoreError?.(err))
      this.deps.onLookup?.('database')
      return rec
    } catch (err) {
      const stale = this.local.stale(hash)
      if (stale !== undefined) {
        this.deps.onLookup?.('stale')
        return stale
      }
      throw err
    }
  }

  /** Drops the in-process copy (on a change notice); null drops everything. */
  forget(hash: string | null): void {
    if (hash === null) this.local.clear()
    else this.local.delete(hash)
  }
}
