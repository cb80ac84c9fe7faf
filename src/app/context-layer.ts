import type { GatewayConfig } from '../config/load.js'
import { openContextStore } from '../adapters/context/open-context-store.js'
import { SqlKeyRepository, SqlTeamRepository } from '../adapters/keys/sql-repositories.js'
import { StoreAuthenticator } from '../identity/store-authenticator.js'
import { StoreContextStage } from '../context/context-stage.js'
import { KeyAdmin } from '../identity/key-admin.js'
import { KeyDirectory } from '../identity/key-directory.js'
import { TeamDirectory } from '../identity/team-directory.js'
import type { RuntimeRef } from '../runtime/runtime.js'
import type { ReadinessCheck } from '../ports/readiness.js'
import { ContextMetrics } from '../observability/context-metrics.js'
import type { Metrics } from '../observability/metrics.js'
import { ALL_CHANGED, type ContextStore } from '../ports/context-store.js'
import type { Database } from '../ports/database.js'

interface ContextLayerOptions {
  config: GatewayConfig
  runtime: RuntimeRef
  metrics: Metrics
  /** Durable keys and teams (absent: config keys and teams only). */
  db: Database | null
  redisPrefix?: string
}

interface ContextLayer {
  store: ContextStore
  context: StoreContextStage
  authenticator: StoreAuthenticator
  admin: KeyAdmin | null
  readiness: ReadinessCheck
  close(): Promise<void>
}

/**
 * Keys, teams and sessions, wired: the context store (Redis or in-process), the caches in front
 * of the database, change notices between replicas, the authenticator, the context stage and the
 * key admin. Called once by the composition root.
 */
export async function buildContextLayer(o: ContextLayerOptions): Promise<ContextLayer> {
  const m = new ContextMetrics(o.metrics.registry)
  const opened = await openContextStore(o.config.env, { prefix: o.redisPrefix ?? o.config.gateway.storage.redis_prefix })
  const store = opened.store
  const storeError = (op: string) => {
    m.storeErrors.inc({ op })
    o.metrics.storageErrors.inc({ backend: 'redis' })
  }
  const onStoreError = (op: string) => () => storeError(op)

  const teams = new TeamDirectory({ runtime: o.runtime, store, repo: o.db ? new SqlTeamRepository(o.db) : null, onStoreError: onStoreError('team_read') })
  const keys = o.db
    ? new KeyDirectory({ store, repo: new SqlKeyRepository(o.db), onStoreError: onStoreError('key_read'), onLookup: (source) => m.keyLookups.inc({ source }) })
    : null
  const authenticator = new StoreAuthenticator({ runtime: o.runtime, keys, teams, onConfigKey: () => m.keyLookups.inc({ source: 'config' }) })
  const context = new StoreContextStage({ store, sessions: () => o.runtime.current.config.gateway.sessions, onStoreError: (op) => storeError(`session_${op}`) })

  // a change anywhere drops this replica's in-process copy at once
  const unsubscribe = store.onChange((name) => {
    if (name === ALL_CHANGED) {
      keys?.forget(null)
      teams.forget(null)
    } else if (name.startsWith('key:')) keys?.forget(name.slice(4))
    else if (name.startsWith('team:')) teams.forget(name.slice(5))
  })

  const admin = o.db ? new KeyAdmin({ configTeams: () => o.runtime.current.config.gateway.teams, keys: new SqlKeyRepository(o.db), teams: new SqlTeamRepository(o.db), store }) : null
  return {
    store, context, authenticator, admin, readiness: opened.readiness,
    async close() {
      unsubscribe()
      await store.close()
    },
  }
}
