import type { CreateKeyInput } from '../identity/key-admin.js'
import type { ApiKeyRecord } from '../identity/records.js'
import { GatewayError } from '../errors/gateway-error.js'
import { adminCall, type DatabaseRoute } from './gateway-route.js'

/** A key as the CLI prints it: the stored record without its hash. */
export type KeyView = Omit<ApiKeyRecord, 'hash'>

/** What `switchyard keys` needs, whether it talks to the database or to a running gateway. */
export interface KeyOps {
  createKey(input: CreateKeyInput): Promise<{ key: string; record: KeyView }>
  listKeys(): Promise<KeyView[]>
  /** null when there is no such key. */
  revokeKey(id: string): Promise<{ record: KeyView; propagated: boolean } | null>
}

/** The admin API's key object (publicKey in identity/records.ts). */
interface PublicKey {
  id: string
  source: 'api' | 'config'
  team: string
  name: string
  hint: string
  models: string[] | null
  rpm: number | null
  tpm: number | null
  expires_at: string | null
  revoked_at: string | null
  created_at: string
}

const toView = (k: PublicKey): KeyView => ({
  id: k.id, teamId: k.team, name: k.name, hint: k.hint, models: k.models, rpm: k.rpm, tpm: k.tpm,
  expiresAt: k.expires_at, revokedAt: k.revoked_at, createdAt: k.created_at,
})

/** `switchyard keys` through a running gateway's admin API: the change takes effect there at once. */
export function keysThroughGateway(route: Extract<DatabaseRoute, { kind: 'gateway' }>): KeyOps {
  return {
    async createKey(input) {
      const created = await adminCall<PublicKey & { key: string }>(route, 'POST', '/admin/keys', input)
      return { key: created.key, record: toView(created) }
    },
    async listKeys() {
      const list = await adminCall<{ data: PublicKey[] }>(route, 'GET', '/admin/keys')
      // the database's keys, as the direct path lists them (keys declared in config are not stored)
      return list.data.filter((k) => k.source === 'api').map(toView)
    },
    async revokeKey(id) {
      try {
        const out = await adminCall<PublicKey & { propagated: boolean }>(route, 'DELETE', `/admin/keys/${encodeURIComponent(id)}`)
        return { record: toView(out), propagated: out.propagated }
      } catch (err) {
        if (err instanceof GatewayError && err.code === 'not_found') return null
        throw err
      }
    },
  }
}
