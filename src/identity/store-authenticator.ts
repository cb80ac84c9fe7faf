import type { GatewayConfigFile, TeamConfig } from '../config/schema.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { KeyDirectory } from './key-directory.js'
import type { TeamDirectory } from './team-directory.js'
import type { Principal } from './principal.js'
import type { RuntimeRef } from '../runtime/runtime.js'
import { hashKey, KEY_PREFIX, sameDigest, type Authenticator } from './authenticator.js'

interface StoreAuthenticatorDeps {
  runtime: RuntimeRef
  /** Keys created through the admin API or the CLI (absent: config keys only). */
  keys: KeyDirectory | null
  teams: TeamDirectory
  now?: () => number
  onConfigKey?: () => void
}

const invalid = (message: string) => new GatewayError('invalid_api_key', message)

type Teams = GatewayConfigFile['teams']
type ConfigKey = { teamId: string; team: TeamConfig; key: NonNullable<TeamConfig['keys']>[number] }
const configKeyIndex = new WeakMap<Teams, Map<string, ConfigKey>>()

/**
 * Config keys by SHA-256 digest (lower-case hex), built once per loaded config. A lookup by the
 * digest of the presented token leaks nothing useful through timing: the caller cannot steer the
 * digest of what they send towards a stored one. The first team that declares a digest owns it.
 */
function configKeys(teams: Teams): Map<string, ConfigKey> {
  let index = configKeyIndex.get(teams)
  if (!index) {
    index = new Map()
    for (const [teamId, team] of Object.entries(teams)) {
      for (const key of team.keys ?? []) {
        const digest = key.sha256.toLowerCase()
        if (!index.has(digest)) index.set(digest, { teamId, team, key })
      }
    }
    configKeyIndex.set(teams, index)
  }
  return index
}

/** A storage failure with nothing cached to fall back on: 503, never a misleading 401. */
async function orUnavailable<T>(p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (err) {
    if (err instanceof GatewayError) throw err
    throw new GatewayError('storage_unavailable', 'Key storage is unavailable.', { cause: err })
  }
}

/**
 * Bearer token -> Principal. Config keys (`teams.<t>.keys`) are compared in constant time against
 * every declared digest; other keys are looked up by SHA-256 through the key directory's caches
 * and the stored hash is compared in constant time again. Revoked and expired keys get 401.
 * The team is the config team overlaid by the admin API's settings.
 */
export class StoreAuthenticator implements Authenticator {
  constructor(private readonly deps: StoreAuthenticatorDeps) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now()
  }

  async authenticate(token: string | null): Promise<Principal> {
    const cfg = this.deps.runtime.current.config.gateway
    const anon = cfg.auth.anonymous_team
    const anonymous = async (): Promise<Principal> => {
      const team = anon === undefined ? null : await orUnavailable(this.deps.teams.resolve(anon))
      if (anon !== undefined && team) return { teamId: anon, team, keyId: null, keyName: null }
      throw invalid('Missing API key. Send it as `Authorization: Bearer sk-sy-...`.')
    }
    if (token === null || token === '') return anonymous()
    const digest = hashKey(token)

    const hit = configKeys(cfg.teams).get(digest)
    if (hit) {
      const { teamId, team, key: k } = hit
      if (k.expires_at && Date.parse(k.expires_at) <= this.now()) throw invalid('This API key has expired.')
      this.deps.onConfigKey?.()
      const merged = (await orUnavailable(this.deps.teams.resolve(teamId))) ?? team
      return { teamId, team: merged, keyId: `config:${teamId}:${k.name}`, keyName: k.name, keyModels: k.models, keyRpm: k.rpm, keyTpm: k.tpm, keyBudgetUsd: k.budget_usd }
    }
    // with an anonymous team (the demo), a placeholder an SDK insists on sending (`demo`, an OpenAI key
    // from the environment) counts as no key; a token shaped like a Switchyard key is always checked
    if (anon !== undefined && !token.startsWith(KEY_PREFIX)) return anonymous()

    const rec = this.deps.keys ? await orUnavailable(this.deps.keys.find(digest)) : null
    if (!rec || !sameDigest(rec.hash, digest)) throw invalid('Incorrect API key provided.')
    if (rec.revokedAt !== null) throw invalid('This API key has been revoked.')
    if (rec.expiresAt !== null && Date.parse(rec.expiresAt) <= this.now()) throw invalid('This API key has expired.')
    const team = (await orUnavailable(this.deps.teams.resolve(rec.teamId))) ?? {}
    return {
      teamId: rec.teamId, team, keyId: rec.id, keyName: rec.name,
      keyModels: rec.models ?? undefined, keyRpm: rec.rpm ?? undefined, keyTpm: rec.tpm ?? undefined,
    }
  }
}
