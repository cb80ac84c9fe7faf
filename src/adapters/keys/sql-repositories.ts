import type { ApiKeyRecord, TeamRecord, TeamSettings } from '../../identity/records.js'
import type { KeyRepository, TeamRepository } from '../../ports/key-repository.js'
import type { Queryable } from '../../ports/database.js'

interface KeyRow {
  id: string
  key_hash: string
  key_hint: string
  team_id: string
  name: string
  models: string[] | null
  rpm: number | null
  tpm: number | null
  expires_at: Date | string | null
  revoked_at: Date | string | null
  created_at: Date | string
}

interface TeamRow {
  id: string
  settings: TeamSettings | string
  created_at: Date | string
  updated_at: Date | string
}

const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString()
const isoOrNull = (v: Date | string | null): string | null => (v === null ? null : iso(v))

const KEY_COLUMNS = 'id, key_hash, key_hint, team_id, name, models, rpm, tpm, expires_at, revoked_at, created_at'

function toKey(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id, teamId: r.team_id, name: r.name, hash: r.key_hash, hint: r.key_hint, models: r.models, rpm: r.rpm, tpm: r.tpm,
    expiresAt: isoOrNull(r.expires_at), revokedAt: isoOrNull(r.revoked_at), createdAt: iso(r.created_at),
  }
}

function toTeam(r: TeamRow): TeamRecord {
  return { id: r.id, settings: typeof r.settings === 'string' ? (JSON.parse(r.settings) as TeamSettings) : r.settings, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at) }
}

/** api_keys on the Database port (Postgres or PGlite, same SQL). */
export class SqlKeyRepository implements KeyRepository {
  constructor(private readonly db: Queryable) {}

  async findByHash(hash: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_hash = $1`, [hash])
    return rows[0] ? toKey(rows[0]) : null
  }

  async insert(k: ApiKeyRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO api_keys (id, key_hash, key_hint, team_id, name, models, rpm, tpm, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [k.id, k.hash, k.hint, k.teamId, k.name, k.models, k.rpm, k.tpm, k.expiresAt, k.createdAt],
    )
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`, [])
    return rows.map(toKey)
  }

  async revoke(id: string, at: Date): Promise<ApiKeyRecord | null> {
    await this.db.query('UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at.toISOString()])
    const { rows } = await this.db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1`, [id])
    return rows[0] ? toKey(rows[0]) : null
  }
}

/** teams on the Database port. */
export class SqlTeamRepository implements TeamRepository {
  constructor(private readonly db: Queryable) {}

  async get(id: string): Promise<TeamRecord | null> {
    const { rows } = await this.db.query<TeamRow>('SELECT id, settings, created_at, updated_at FROM teams WHERE id = $1', [id])
    return rows[0] ? toTeam(rows[0]) : null
  }

  async list(): Promise<TeamRecord[]> {
    const { rows } = await this.db.query<TeamRow>('SELECT id, settings, created_at, updated_at FROM teams ORDER BY id', [])
    return rows.map(toTeam)
  }

  async put(id: string, settings: TeamSettings, at: Date): Promise<TeamRecord> {
    const { rows } = await this.db.query<TeamRow>(
      `INSERT INTO teams (id, settings, created_at, updated_at) VALUES ($1, $2::jsonb, $3, $3)
       ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at
       RETURNING id, settings, created_at, updated_at`,
      [id, JSON.stringify(settings), at.toISOString()],
    )
    return toTeam(rows[0]!)
  }
}
