import type { Call } from '../call/call.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { Principal } from '../identity/principal.js'
import type { Decision } from '../policy/types.js'
import type { Target } from '../providers/types.js'
import type { ResolvedRoute } from '../routing/catalog.js'
import type { LatencyTracker } from '../routing/latency.js'
import { orderTargets } from '../routing/select.js'
import type { Runtime } from '../runtime/runtime.js'

/**
 * Whether a principal may ask for a model: the team's list, narrowed by the key's own list (a key's
 * `models` never widens its team's). Returns why not, or null.
 */
export function modelRefusal(principal: Principal, model: string): string | null {
  const team = principal.team.models
  if (team && !team.includes(model)) return `The model \`${model}\` is not enabled for team "${principal.teamId}".`
  const key = principal.keyModels
  if (key && !key.includes(model)) return `The model \`${model}\` is not enabled for this API key (key "${principal.keyName ?? principal.keyId}").`
  return null
}

/**
 * The route stage: the requested model must be allowed for the key and its team (unless a policy rule
 * sent the call elsewhere), and the decision's route resolves to targets in strategy order.
 */
export function routeStage(rt: Runtime, call: Call, requested: string, decision: Decision, latency: LatencyTracker | undefined): { route: ResolvedRoute; targets: Target[] } {
  const rerouted = decision.rule !== null && decision.route !== requested
  const refusal = rerouted ? null : modelRefusal(call.who, requested)
  if (refusal) throw new GatewayError('model_not_allowed', refusal, { param: 'model' })
  const route = rt.catalog.resolve(decision.route)
  return { route, targets: orderTargets(route, { pricing: rt.config.pricing, latency }) }
}

/** The target that answered: on the record and the response headers, and its latency for least-latency routing. */
export function served(call: Call, target: Target, latency: LatencyTracker | undefined): void {
  const r = call.record
  r.provider = target.provider
  r.model = target.model
  latency?.observe(target, r.attempts[r.attempts.length - 1]?.latency_ms ?? Number.NaN)
  call.responseHeaders['x-switchyard-provider'] = target.provider
  call.responseHeaders['x-switchyard-model'] = target.model
  call.responseHeaders['x-switchyard-attempts'] = String(r.attempts.length)
}
