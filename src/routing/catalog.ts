import type { GatewayConfig } from '../config/load.js'
import type { LogicalModelConfig } from '../config/schema.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { Target } from '../providers/types.js'

/** A resolved route: the logical model (if any) and its candidate targets in config order. */
export interface ResolvedRoute {
  logical: string | null
  strategy: LogicalModelConfig['strategy']
  targets: Target[]
  /** Per target (same order), for the weighted strategy; default 1. */
  weights?: number[] | undefined
  timeouts: LogicalModelConfig['timeouts']
  /** Logical models whose targets follow this one's when all of its own fail (resolved, in order). */
  fallbacks?: ResolvedRoute[] | undefined
}

/** Logical models and directly addressable `provider/model` pairs, built once per config. */
export class ModelCatalog {
  private readonly logical = new Map<string, ResolvedRoute>()
  constructor(private readonly config: GatewayConfig) {
    for (const [name, m] of Object.entries(config.gateway.models)) {
      this.logical.set(name, {
        logical: name,
        strategy: m.strategy,
        timeouts: m.timeouts,
        targets: m.targets.map((t) => this.target(t.provider, t.model, t.rpm !== undefined || t.tpm !== undefined ? { rpm: t.rpm, tpm: t.tpm } : undefined)),
        weights: m.targets.map((t) => t.weight ?? 1),
      })
    }
    // fallback models, once every model is resolved (load checked that they exist and form no cycle)
    for (const [name, m] of Object.entries(config.gateway.models)) {
      if (m.fallbacks && m.fallbacks.length > 0) this.logical.get(name)!.fallbacks = m.fallbacks.map((f) => this.logical.get(f)!)
    }
  }

  private target(provider: string, model: string, limits?: Target['limits']): Target {
    const config = this.config.gateway.providers[provider]
    if (!config) throw new GatewayError('model_not_found', `Unknown provider "${provider}".`, { param: 'model' })
    return limits ? { provider, model, config, limits } : { provider, model, config }
  }

  logicalNames(): string[] {
    return [...this.logical.keys()]
  }

  has(route: string): boolean {
    return this.logical.has(route) || this.direct(route) !== null
  }

  private direct(route: string): { provider: string; model: string } | null {
    const slash = route.indexOf('/')
    if (slash <= 0) return null
    const provider = route.slice(0, slash)
    return provider in this.config.gateway.providers ? { provider, model: route.slice(slash + 1) } : null
  }

  /** A logical model name or `provider/model`; 404 model_not_found otherwise. */
  resolve(route: string): ResolvedRoute {
    const hit = this.logical.get(route)
    if (hit) return hit
    const d = this.direct(route)
    if (d && d.model.length > 0) return { logical: null, strategy: 'fallback', timeouts: undefined, targets: [this.target(d.provider, d.model)] }
    throw new GatewayError('model_not_found', `The model \`${route}\` does not exist or is not configured on this gateway.`, { param: 'model' })
  }
}
