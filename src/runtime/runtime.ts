import type { GatewayConfig } from '../config/load.js'
import { compilePolicy, type KnownRoutes } from '../policy/compile.js'
import type { CompiledPolicy } from '../policy/types.js'
import { ModelCatalog } from '../routing/catalog.js'

/** Everything derived from config, built once per (re)load and swapped atomically. */
export interface Runtime {
  readonly config: GatewayConfig
  readonly policy: CompiledPolicy
  readonly catalog: ModelCatalog
}

/** In-flight calls keep the Runtime they started with; a reload only changes what new calls see. */
export interface RuntimeRef {
  current: Runtime
}

/** Route names a config makes valid in policy `route:` actions. */
export const knownRoutes = (config: GatewayConfig): KnownRoutes => ({
  models: Object.keys(config.gateway.models),
  providers: Object.keys(config.gateway.providers),
})

/** Builds a runtime; throws ConfigError (FILE:LINE:COL problems) when the policy is invalid. */
export function buildRuntime(config: GatewayConfig, now: Date = new Date()): Runtime {
  return { config, policy: compilePolicy(config.policy, { known: knownRoutes(config), loadedAt: now }), catalog: new ModelCatalog(config) }
}
