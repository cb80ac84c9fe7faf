import type { GatewayConfig } from '../config/load.js'
import { compilePolicy } from './policy/compile.js'
import type { CompiledPolicy } from './policy/types.js'
import { ModelCatalog } from './routing/catalog.js'

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

export function buildRuntime(config: GatewayConfig, now: Date = new Date()): Runtime {
  return { config, policy: compilePolicy(config.policy, now), catalog: new ModelCatalog(config) }
}
