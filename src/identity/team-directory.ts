import type { TeamConfig } from '../config/schema.js'
import type { ContextStore } from '../ports/context-store.js'
import type { TeamRepository } from '../ports/key-repository.js'
import type { RuntimeRef } from '../runtime/runtime.js'
import { ReadThrough } from './read-through.js'
import { mergeTeam, type TeamSettings } from './records.js'

export const teamName = (id: string): string => `team:${id}`

interface TeamDirectoryDeps {
  runtime: RuntimeRef
  store: ContextStore
  repo: TeamRepository | null
  /** Fresh life of the in-process copy (pub/sub invalidation makes it exact; this is the backstop). */
  localTtlMs?: number
  /** Life of the copy in the shared store. */
  storeTtlMs?: number
  onStoreError?: (err: unknown) => void
}

/** What the admin API stored for a team; null when it has no row. */
type Stored = TeamSettings | null

/**
 * A team's effective settings: its config entry overlaid by what the admin API stored. The stored
 * part is cached in-process and in the shared store; a failing store or database falls back to
 * the last copy seen, so teams keep working through a Redis or Postgres outage.
 */
export class TeamDirectory {
  private readonly cache: ReadThrough<Stored> | null

  constructor(private readonly deps: TeamDirectoryDeps) {
    const repo = deps.repo
    this.cache = repo
      ? new ReadThrough<Stored>({
          store: deps.store,
          name: teamName,
          load: async (id) => (await repo.get(id))?.settings ?? null,
          encode: (settings) => JSON.stringify({ settings }),
          decode: (text) => (JSON.parse(text) as { settings: Stored }).settings,
          storeTtlMs: () => deps.storeTtlMs ?? 300_000,
          ...(deps.localTtlMs !== undefined ? { localTtlMs: deps.localTtlMs } : {}),
          onStoreError: deps.onStoreError,
        })
      : null
  }

  /** The merged team, or null when neither config nor the admin API knows it. */
  async resolve(id: string): Promise<TeamConfig | null> {
    const fromConfig = this.deps.runtime.current.config.gateway.teams[id]
    if (!this.cache) return fromConfig ?? null
    let stored: Stored
    try {
      stored = await this.cache.get(id)
    } catch (err) {
      // no storage and no copy seen: a config team still works on its config alone
      if (fromConfig) return fromConfig
      throw err
    }
    if (!fromConfig && !stored) return null
    return mergeTeam(fromConfig, stored ?? undefined)
  }

  /** Drops the in-process copy (on a change notice). */
  forget(id: string | null): void {
    this.cache?.forget(id)
  }
}
