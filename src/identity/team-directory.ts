import type { TeamConfig } from '../config/schema.js'
import type { ContextStore } from '../ports/context-store.js'
import type { TeamRepository } from '../ports/key-repository.js'
import type { RuntimeRef } from '../runtime/runtime.js'
import { LocalCache } from './local-cache.js'
import { mergeTeam, type TeamSettings } from './records.js'

export const teamName = (id: string): string => `team:${id}`

export interface TeamDirectoryDeps {
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
  private readonly local: LocalCache<Stored>

  constructor(private readonly deps: TeamDirectoryDeps) {
    this.local = new LocalCache<Stored>(deps.localTtlMs ?? 5_000)
  }

  /** The merged team, or null when neither config nor the admin API knows it. */
  async resolve(id: string): Promise<TeamConfig | null> {
    const fromConfig = this.deps.runtime.current.config.gateway.teams[id]
    if (!this.deps.repo) return fromConfig ?? null
    let stored: Stored
    try {
      stored = await this.stored(id)
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
    if (id === null) this.local.clear()
    else this.local.delete(id)
  }

  private async stored(id: string): Promise<Stored> {
    const hit = this.local.fresh(id)
    if (hit !== undefined) return hit
    const name = teamName(id)
    const epoch = this.local.epoch()
    try {
      const [v] = (await this.deps.store.read([name])).values
      if (v !== null && v !== undefined) {
        const parsed = JSON.parse(v) as { settings: Stored }
        this.local.set(id, parsed.settings, undefined, epoch)
        return parsed.settings
      }
    } catch (err) {
      this.deps.onStoreError?.(err)
    }
    try {
      const rec = await this.deps.repo!.get(id)
      const settings = rec ? rec.settings : null
      this.local.set(id, settings, undefined, epoch)
      this.deps.store.write(name, JSON.stringify({ settings }), this.deps.storeTtlMs ?? 300_000, { ifAbsent: true }).catch((err) => this.deps.onStoreError?.(err))
      return settings
    } catch (err) {
      const stale = this.local.stale(id)
      if (stale !== undefined) return stale
      throw err
    }
  }
}
