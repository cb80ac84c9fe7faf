import { z } from 'zod'
import { GatewayError } from '../errors/gateway-error.js'
import type { ContextStore } from '../ports/context-store.js'
import type { KeyRepository, TeamRepository } from '../ports/key-repository.js'
import { hashKey } from './authenticator.js'
import type { TeamConfig } from '../config/schema.js'
import { keyName } from './key-directory.js'
import { generateApiKey, keyHint, mergeTeam, newKeyId, TEAM_ID, teamSettingsSchema, type ApiKeyRecord, type TeamRecord } from './records.js'
import { teamName } from './team-directory.js'

export const createKeySchema = z.strictObject({
  team: z.string().min(1),
  name: z.string().min(1).max(200),
  models: z.array(z.string().min(1)).min(1).optional(),
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
})
export type CreateKeyInput = z.output<typeof createKeySchema>

export const createTeamSchema = teamSettingsSchema.extend({ id: z.string().regex(TEAM_ID, 'team ids are 1-64 characters of A-Z a-z 0-9 . _ -') })
/** A PATCH names only what changes; null removes a field. */
export const patchTeamSchema = z.record(z.string(), z.unknown())

interface KeyAdminDeps {
  /** The teams declared in config (current version). */
  configTeams: () => Readonly<Record<string, TeamConfig>>
  keys: KeyRepository
  teams: TeamRepository
  store: ContextStore
  storeTtlMs?: number
  now?: () => Date
}

interface TeamView {
  id: string
  source: 'config' | 'api' | 'config+api'
  settings: Record<string, unknown>
  created_at: string | null
  updated_at: string | null
}

/**
 * Key and team administration, shared by the admin API and the CLI. Every change is written to
 * the database first, then to the shared store with a change notice, so every replica drops its
 * cached copy at once; when the store is unreachable the change still holds, and replicas see it
 * when their short in-process copy expires.
 */
export class KeyAdmin {
  constructor(private readonly deps: KeyAdminDeps) {}

  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date()
  }

  private async announce(name: string, value: string): Promise<boolean> {
    try {
      await this.deps.store.write(name, value, this.deps.storeTtlMs ?? 300_000, { announce: true })
      return true
    } catch {
      return false
    }
  }

  async teamExists(id: string): Promise<boolean> {
    return id in this.deps.configTeams() || (await this.deps.teams.get(id)) !== null
  }

  /** Creates a key; the plaintext is returned here once and stored nowhere. */
  async createKey(input: CreateKeyInput): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!(await this.teamExists(input.team))) throw new GatewayError('invalid_request', `Unknown team "${input.team}".`, { param: 'team' })
    const key = generateApiKey()
    const record: ApiKeyRecord = {
      id: newKeyId(), teamId: input.team, name: input.name, hash: hashKey(key), hint: keyHint(key),
      models: input.models ?? null, rpm: input.rpm ?? null, tpm: input.tpm ?? null,
      expiresAt: input.expires_at ? new Date(input.expires_at).toISOString() : null, revokedAt: null, createdAt: this.now().toISOString(),
    }
    await this.deps.keys.insert(record)
    // a cached "unknown key" for this hash (practically impossible) must not outlive the creation
    await this.announce(keyName(record.hash), JSON.stringify({ key: record }))
    return { key, record }
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    return this.deps.keys.list()
  }

  /** Revokes a key everywhere; null when no such key. `propagated: false` when the store was unreachable. */
  async revokeKey(id: string): Promise<{ record: ApiKeyRecord; propagated: boolean } | null> {
    const record = await this.deps.keys.revoke(id, this.now())
    if (!record) return null
    // the revoked record replaces any cached copy (a fill racing this cannot win: fills only write when absent)
    const propagated = await this.announce(keyName(record.hash), JSON.stringify({ key: record }))
    return { record, propagated }
  }

  async listTeams(): Promise<TeamView[]> {
    const fromConfig = this.deps.configTeams()
    const stored = new Map((await this.deps.teams.list()).map((t) => [t.id, t]))
    const ids = [...new Set([...Object.keys(fromConfig), ...stored.keys()])].sort()
    return ids.map((id) => this.view(id, stored.get(id) ?? null))
  }

  async getTeam(id: string): Promise<TeamView | null> {
    const rec = await this.deps.teams.get(id)
    if (!rec && !(id in this.deps.configTeams())) return null
    return this.view(id, rec)
  }

  private view(id: string, rec: TeamRecord | null): TeamView {
    const cfg = this.deps.configTeams()[id]
    const { keys, ...settings } = mergeTeam(cfg, rec?.settings)
    void keys // config key digests are not part of the team view
    return { id, source: cfg && rec ? 'config+api' : cfg ? 'config' : 'api', settings, created_at: rec?.createdAt ?? null, updated_at: rec?.updatedAt ?? null }
  }

  async createTeam(input: z.output<typeof createTeamSchema>): Promise<TeamView> {
    const { id, ...settings } = input
    if (await this.teamExists(id)) throw new GatewayError('invalid_request', `Team "${id}" already exists: change it with PATCH /admin/teams/${id}.`, { param: 'id' })
    const rec = await this.deps.teams.put(id, settings, this.now())
    await this.announce(teamName(id), JSON.stringify({ settings: rec.settings }))
    return this.view(id, rec)
  }

  /** Changes the stored settings (a config team gets an overlay row); null when the team is unknown. */
  async patchTeam(id: string, patch: Record<string, unknown>): Promise<TeamView | null> {
    const current = await this.deps.teams.get(id)
    if (!current && !(id in this.deps.configTeams())) return null
    const next: Record<string, unknown> = { ...(current?.settings ?? {}) }
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete next[k]
      else next[k] = v
    }
    const parsed = teamSettingsSchema.safeParse(next)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      throw new GatewayError('invalid_request', `Invalid value for '${issue.path.join('.')}': ${issue.message}`, { param: issue.path.join('.') || null })
    }
    const rec = await this.deps.teams.put(id, parsed.data, this.now())
    await this.announce(teamName(id), JSON.stringify({ settings: rec.settings }))
    return this.view(id, rec)
  }
}
