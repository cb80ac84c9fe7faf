import type { CallContext } from '../call/log.js'
import { GatewayError } from '../errors/gateway-error.js'
import { adapterFor } from '../providers/registry.js'
import { floatsToBase64 } from '../providers/shared/message-parts.js'
import type { AdapterContext } from '../providers/types.js'
import { embeddingsRequestSchema, type EmbeddingsRequest } from '../ingress/openai-chat/schema.js'
import type { EmbeddingsResponse } from '../call/chat-result.js'
import { withAttempts } from './attempts.js'
import { upstreamFailure, type ChatDeps } from './run-chat.js'
import { applySet } from '../policy/apply-set.js'
import { decideCall } from '../policy/decide-call.js'
import { orderTargets } from '../routing/select.js'
import { resolveTimeouts } from '../routing/timeouts.js'
import { costUsd } from '../usage/cost.js'
import { parseBody } from '../errors/parse-body.js'

/** The request fields a policy `set` may change on an embeddings call (chat caps such as max_tokens do not apply). */
const settable = new Set(Object.keys(embeddingsRequestSchema.shape))

const inputTexts = (req: EmbeddingsRequest): string[] => (typeof req.input === 'string' ? [req.input] : req.input.filter((x): x is string => typeof x === 'string'))

/** About four characters a token, for limits and for providers that report no usage (Gemini). */
export const estimateEmbeddingTokens = (req: EmbeddingsRequest): number => {
  if (typeof req.input !== 'string' && typeof req.input[0] !== 'string') return (req.input as unknown[]).flat().length
  return inputTexts(req).reduce((n, s) => n + Math.ceil(s.length / 4), 0)
}

/**
 * One embeddings call, through the same pipeline as chat: validate -> limits -> policy -> route ->
 * attempts -> response, on the same audit record (endpoint `embeddings`). No sessions or team prompt.
 */
export async function handleEmbeddings(deps: ChatDeps, ctx: CallContext, body: unknown): Promise<{ status: number; body: string }> {
  const rt = deps.runtime.current
  const r = ctx.record
  let req = parseBody(embeddingsRequestSchema, body)
  r.requestedModel = req.model
  r.userId = req.user ?? null
  if (rt.config.gateway.audit.bodies !== 'none') r.requestBody = req
  const estimate = estimateEmbeddingTokens(req)
  const admission = deps.limits ? await deps.limits.admit(ctx, { promptTokens: estimate }) : {}

  const decision = decideCall(rt.policy, ctx, { endpoint: 'embeddings', user: req.user ?? null, model: req.model, metadata: {}, request: req, stream: false, budgetUsedPct: admission.budgetUsedPct })
  req = applySet(req, Object.fromEntries(Object.entries(decision.set).filter(([k]) => settable.has(k))))
  const allowed = ctx.principal.keyModels ?? ctx.principal.team.models
  if (allowed && !allowed.includes(req.model) && !(decision.rule !== null && decision.route !== req.model)) {
    throw new GatewayError('model_not_allowed', `The model \`${req.model}\` is not enabled for team "${ctx.principal.teamId}".`, { param: 'model' })
  }
  const route = rt.catalog.resolve(decision.route)

  const { target, value } = await withAttempts(ctx, orderTargets(route, { pricing: rt.config.pricing, latency: deps.latency }), { resilience: rt.config.gateway.resilience, clock: deps.clock, health: deps.health }, async (t) => {
    const adapter = adapterFor(t.config.type)
    if (!adapter?.embeddingsRequest || !adapter.embeddingsResponse) {
      throw new GatewayError('invalid_request', `${t.provider}: this provider (type ${t.config.type}) has no embeddings endpoint.`, { param: 'model', fallback: true })
    }
    const actx: AdapterContext = { target: t, apiKey: rt.config.secrets.get(t.provider), stream: false, now: () => Math.floor(deps.clock.now() / 1000), newId: deps.newId }
    const upstream = await deps.transports.for(t).send(adapter.embeddingsRequest(req, actx), { signal: ctx.signal, timeouts: resolveTimeouts(rt.config.gateway.resilience, t, route.timeouts) })
    if (upstream.status >= 400) throw await upstreamFailure(adapter, upstream, actx)
    return adapter.embeddingsResponse(await upstream.text(), actx)
  })

  r.provider = target.provider
  r.model = target.model
  deps.latency?.observe(target, r.attempts[r.attempts.length - 1]?.latency_ms ?? Number.NaN)
  Object.assign(ctx.responseHeaders, { 'x-switchyard-provider': target.provider, 'x-switchyard-model': target.model, 'x-switchyard-attempts': String(r.attempts.length) })

  const reported = value.value.usage?.prompt_tokens ?? 0
  const prompt = reported > 0 ? reported : estimate
  r.usageEstimated = reported === 0
  r.promptTokens = prompt
  r.completionTokens = 0
  r.cachedTokens = 0
  r.reasoningTokens = 0
  r.costUsd = costUsd(rt.config.pricing, target.provider, target.model, { prompt, completion: 0, cached: 0, reasoning: 0 })
  ctx.responseHeaders['x-switchyard-cost-usd'] = r.costUsd === null ? 'unknown' : r.costUsd.toFixed(8)
  try {
    await deps.limits?.settle(ctx, { prompt, completion: 0, cached: 0, reasoning: 0 }, r.costUsd)
  } catch (err) {
    ctx.log.warn({ err }, 'post-call bookkeeping failed')
  }
  return { status: 200, body: encodeAsRequested(value, req) }
}

/** Providers that only return floats (Gemini) still answer `encoding_format: base64` (the openai SDK's default). */
function encodeAsRequested(parsed: { value: EmbeddingsResponse; text: string }, req: EmbeddingsRequest): string {
  if (req.encoding_format !== 'base64' || !parsed.value.data.some((d) => Array.isArray(d.embedding))) return parsed.text
  const data = parsed.value.data.map((d) => ({ ...d, embedding: Array.isArray(d.embedding) ? floatsToBase64(d.embedding) : d.embedding }))
  return JSON.stringify({ ...parsed.value, data })
}

