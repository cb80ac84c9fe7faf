import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { teamSchema, type TeamConfig } from '../config/schema.js'
import { KEY_PREFIX } from './authenticator.js'

/** A Switchyard key as stored: never the key itself, only its SHA-256 and a hint to recognise it. */
export interface ApiKeyRecord {
  id: string
  teamId: string
  name: string
  /** Lowercase hex SHA-256 of the full key. */
  hash: string
  /** `sk-sy-…` plus the last four characters, for humans. */
  hint: string
  models: string[] | null
  rpm: number | null
  tpm: number | null
  expiresAt: string | null
  revokedAt: string | null
  createdAt: string
}

/** Team settings the admin API may set: a config team without its keys (keys have their own API). */
export const teamSettingsSchema = teamSchema.omit({ keys: true })
export type TeamSettings = z.output<typeof teamSettingsSchema>

export interface TeamRecord {
  id: string
  settings: TeamSettings
  createdAt: string
  updatedAt: string
}

export const TEAM_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** A new key: `sk-sy-` and 32 characters of crypto randomness (192 bits, base64url). */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`
}

export const newKeyId = (): string => `key_${randomBytes(9).toString('base64url')}`
export const keyHint = (key: string): string => `${KEY_PREFIX}…${key.slice(-4)}`

/** Config team overlaid by the admin API's settings: top-level fields replaced, `context` and `labels` merged. */
export function mergeTeam(fromConfig: TeamConfig | undefined, fromApi: TeamSettings | undefined): TeamConfig {
  if (!fromApi) return fromConfig ?? {}
  const base = fromConfig ?? {}
  const out: TeamConfig = { ...base, ...fromApi }
  if (base.context || fromApi.context) out.context = { ...base.context, ...fromApi.context }
  if (base.labels || fromApi.labels) out.labels = { ...base.labels, ...fromApi.labels }
  if (base.keys) out.keys = base.keys
  return out
}

/** The admin API's view of a key (never the hash). */
export function publicKey(r: ApiKeyRecord, source: 'api' | 'config' = 'api'): Record<string, unknown> {
  return {
    id: r.id, object: 'api_key', source, team: r.teamId, name: r.name, hint: r.hint, models: r.models, rpm: r.rpm, tpm: r.tpm,
    expires_at: r.expiresAt, revoked_at: r.revokedAt, created_at: r.createdAt,
  }
}
