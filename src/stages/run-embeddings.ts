import type { Call } from '../call/call.js'
import type { EmbeddingsRequest, EmbeddingsResponse } from '../call/embeddings.js'
import { GatewayError } from '../errors/gateway-error.js'
import { applySet } from '../policy/apply-set.js'
import { decideCall } from '../policy/decide-call.js'
import type { AdapterContext, ProviderAdapter } from '../providers/types.js'
import { estimateEmbeddingTokens } from '../usage/estimate.js'
import { withAttempts } from './attempts.js'
import { exchange } from './exchange.js'
import { routeStage, served } from './route.js'
import { settleStage, settleUsage } from './settle.js'
import type { StageDeps } from './types.js'

/** The request fields a policy `set` may change on an embeddings call (generation caps such as max_tokens do not apply). */
const settable = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user'])

/**
 * One embeddings call through the same stages as a generation: limits -> policy -> route -> attempts ->
 * settle (no team prompt or session history), on the same audit record.
 */
export async function runEmbeddings(deps: StageDeps, call: Call, input: EmbeddingsRequest): Promise<{ response: EmbeddingsResponse; text: string }> {
  const rt = deps.runtime.current
  const r = call.record
  r.requestedModel = input.model
  r.userId = input.user ?? null
  if (rt.config.gateway.audit.bodies !== 'none') r.requestBody = input

  const estimate = estimateEmbeddingTokens(input)
  const admission = deps.limits ? await deps.limits.admit(call, { promptTokens: estimate }) : {}
  const decision = decideCall(rt.policy, call, { endpoint: r.endpoint, user: input.user ?? null, model: input.model, metadata: {}, request: input, stream: false, budgetUsedPct: admission.budgetUsedPct })
  const req = applySet(input, Object.fromEntries(Object.entries(decision.set).filter(([k]) => settable.has(k))))
  const { route, targets } = routeStage(rt, call, req.model, decision, deps.latency)

  const gate = deps.targetLimits?.gate(estimate)
  const { target, value } = await withAttempts(call, targets, { resilience: rt.config.gateway.resilience, clock: deps.clock, health: deps.health, gate }, async (t) => {
    const build = (a: ProviderAdapter, ctx: AdapterContext) => {
      if (!a.embeddingsRequest) throw new GatewayError('invalid_request', `${t.provider}: this provider (type ${t.config.type}) has no embeddings endpoint.`, { param: 'model', fallback: true })
      return a.embeddingsRequest(req, ctx)
    }
    const { adapter, actx, upstream } = await exchange(deps, rt, call, t, route, { stream: false, build })
    if (!adapter.embeddingsResponse) throw new GatewayError('invalid_request', `${t.provider}: this provider (type ${t.config.type}) has no embeddings endpoint.`, { param: 'model', fallback: true })
    return adapter.embeddingsResponse(await upstream.text(), actx)
  })
  served(call, target, deps.latency)

  const reported = value.value.usage?.prompt_tokens ?? 0
  r.usageEstimated = reported === 0
  const usage = { prompt: reported > 0 ? reported : estimate, completion: 0, cached: 0, reasoning: 0 }
  const cost = settleUsage(rt, call, target, usage)
  call.responseHeaders['x-switchyard-cost-usd'] = cost === null ? 'unknown' : cost.toFixed(8)
  await settleStage(deps, call, target, null, usage, cost, null)
  return { response: value.value, text: value.text }
}
