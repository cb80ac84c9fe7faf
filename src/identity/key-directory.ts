import type { ContextStore } from '../ports/context-store.js'
import type { KeyRepository } from '../ports/key-repository.js'
import { ReadThrough, type LookupSource } from './read-through.js'
import type { ApiKeyRecord } from './records.js'

export const keyName = (hash: string): string => `key:${hash}`

type KeySource = LookupSource

interface KeyDirectoryDeps {
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
 * Key records by SHA-256, read through the caches (ReadThrough). A miss is cached too: an unknown
 * hash costs the database once per TTL, not once per request.
 */
export class KeyDirectory {
  private readonly cache: ReadThrough<ApiKeyRecord | null>

  constructor(deps: KeyDirectoryDeps) {
    const storeTtl = deps.storeTtlMs ?? 300_000
    this.cache = new ReadThrough({
      store: deps.store,
      name: keyName,
      load: (hash) => deps.repo.findByHash(hash),
      encode: (key) => JSON.stringify({ key }),
      decode: (text) => (JSON.parse(text) as { key: ApiKeyRecord | null }).key,
      storeTtlMs: (rec) => (rec ? storeTtl : Math.ceil(storeTtl / 10)),
      ...(deps.localTtlMs !== undefined ? { localTtlMs: deps.localTtlMs } : {}),
      onStoreError: deps.onStoreError,
      onLookup: deps.onLookup,
    })
  }

  find(hash: string): Promise<ApiKeyRecord | null> {
    return this.cache.get(hash)
  }

  /** Drops the in-process copy (on a change notice); null drops everything. */
  forget(hash: string | null): void {
    this.cache.forget(hash)
  }
}
