import type { ApiKeyRecord, TeamRecord, TeamSettings } from '../identity/records.js'

/** Durable API keys (the `api_keys` table). Keys are never deleted: revocation stamps revoked_at. */
export interface KeyRepository {
  findByHash(hash: string): Promise<ApiKeyRecord | null>
  insert(rec: ApiKeyRecord): Promise<void>
  list(): Promise<ApiKeyRecord[]>
  /** Stamps revoked_at (once); null when no such key. */
  revoke(id: string, at: Date): Promise<ApiKeyRecord | null>
}

/** Durable team settings set through the admin API (the `teams` table); config teams need no row. */
export interface TeamRepository {
  get(id: string): Promise<TeamRecord | null>
  list(): Promise<TeamRecord[]>
  /** Inserts or replaces the team's settings; returns the stored record. */
  put(id: string, settings: TeamSettings, at: Date): Promise<TeamRecord>
}
