import { hash, timingSafeEqual } from 'node:crypto'
import { GatewayError } from '../../errors/gateway-error.js'
import type { Principal } from '../principal.js'
import type { RuntimeRef } from '../runtime.js'

/** Turns the caller's bearer token (or none) into a Principal, or throws 401 invalid_api_key. */
export interface Authenticator {
  authenticate(token: string | null): Promise<Principal>
}

export const KEY_PREFIX = 'sk-sy-'
/** SHA-256 of a key, hex (crypto.hash: one call, no Hash object per request). */
export const hashKey = (key: string): string => hash('sha256', key, 'hex')

export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Keys declared in config (`teams.<t>.keys: [{name, sha256}]`) and the demo's anonymous team. */
export class ConfigAuthenticator implements Authenticator {
  constructor(private readonly runtime: RuntimeRef) {}

  async authenticate(token: string | null): Promise<Principal> {
    const cfg = this.runtime.current.config.gateway
    if (token === null || token === '') {
      const anon = cfg.auth.anonymous_team
      const team = anon === undefined ? undefined : cfg.teams[anon]
      if (anon !== undefined && team) return { teamId: anon, team, keyId: null, keyName: null }
      throw new GatewayError('invalid_api_key', 'Missing API key. Send it as `Authorization: Bearer sk-sy-...`.')
    }
    const digest = hashKey(token)
    for (const [teamId, team] of Object.entries(cfg.teams)) {
      for (const k of team.keys ?? []) {
        if (sameDigest(k.sha256, digest)) {
          if (k.expires_at && Date.parse(k.expires_at) <= Date.now()) throw new GatewayError('invalid_api_key', 'This API key has expired.')
          return { teamId, team, keyId: `config:${teamId}:${k.name}`, keyName: k.name, keyModels: k.models, keyRpm: k.rpm, keyTpm: k.tpm, keyBudgetUsd: k.budget_usd }
        }
      }
    }
    throw new GatewayError('invalid_api_key', 'Incorrect API key provided.')
  }
}
