import type { Log } from '../call/log.js'
import { headerValue, type CallContext } from '../call/log.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { Metrics } from '../observability/metrics.js'
import { annotateResponse, traceAttempt } from '../observability/call-span.js'
import { inSpan, inSpanSync, injectTraceHeaders } from '../observability/tracer.js'
import type { AuditRecorder } from '../ports/audit-sink.js'
import { clientLeft, type UpstreamResponse } from '../providers/shared/transport.js'
import { adapterFor } from '../providers/registry.js'
import type { AdapterContext, ProviderAdapter, StreamOut, Target } from '../providers/types.js'
import { chatRequestSchema, type ChatRequest } from '../ingress/openai-chat/schema.js'
import { withAttempts, type TargetHealth } from './attempts.js'
import type { Clock } from '../call/clock.js'
import { estimatePromptTokens } from '../usage/estimate.js'
import { applySet } from '../policy/apply-set.js'
import { decideCall } from '../policy/decide-call.js'
import type { Decision } from '../policy/types.js'
import type { LatencyTracker } from '../routing/latency.js'
import { orderTargets } from '../routing/select.js'
import type { Runtime, RuntimeRef } from '../runtime/runtime.js'
import type { ContextStage, LimitStage } from './types.js'
import { encodeForClient, mappedBatches, type StreamSummary } from './stream.js'
import { resolveTimeouts } from '../routing/timeouts.js'
import type { TransportSet } from '../providers/transport-set.js'
import { costUsd, normalizeUsage, type NormalizedUsage } from '../usage/cost.js'
import { parseBody } from '../errors/parse-body.js'
import { completionText, usageOrEstimate } from '../usage/tokenize.js'

export interface ChatDeps {
  runtime: RuntimeRef
  transports: TransportSet
  audit: AuditRecorder
  metrics: Metrics
  clock: Clock
  newId: () => string
  context?: ContextStage | undefined
  limits?: LimitStage | undefined
  health?: TargetHealth | undefined
  /** Moving latency per target, for the least-latency strategy; fed after each successful attempt. */
  latency?: LatencyTracker | undefined
  log?: Log
}

export type ChatResult =
  | { kind: 'json'; status: number; body: string }
  | { kind: 'stream'; body: AsyncIterable<string> }

/**
 * One chat completion, through the whole pipeline: validate -> context -> limits -> policy ->
 * route -> attempts -> response. Audit and metrics are closed by finishCall once the response ends.
 */
export async function handleChat(deps: ChatDeps, ctx: CallContext, body: unknown, rawBody?: string): Promise<ChatResult> {
  const rt = deps.runtime.current // this call keeps this runtime even if a reload happens meanwhile
  const r = ctx.record
  let req = parseBody(chatRequestSchema, body)
  const asSent = req
  r.requestedModel = req.model
  r.stream = req.stream === true
  r.userId = req.user ?? null
  if (rt.config.gateway.audit.bodies !== 'none') r.requestBody = req

  const context = deps.context
  if (context) req = await inSpan('switchyard.context', {}, () => context.prepare(ctx, req))
  const limits = deps.limits
  const admission = limits ? await inSpan('switchyard.limits', {}, () => limits.admit(ctx, { promptTokens: estimatePromptTokens(req) })) : {}

  const decision = inSpanSync('switchyard.policy', {}, (span) => {
    try {
      return decideCall(rt.policy, ctx, { endpoint: 'chat.completions', user: req.user ?? null, model: req.model, metadata: req.metadata ?? {}, request: req, stream: req.stream === true, budgetUsedPct: admission.budgetUsedPct })
    } finally {
      if (span.isRecording()) span.setAttributes({ 'switchyard.rule': r.rule ?? 'none', 'switchyard.policy_version': r.policyVersion ?? 'none', 'switchyard.team': ctx.principal.teamId })
    }
  })
  req = applySet(req, decision.set)
  const targets = routeTargets(rt, ctx, req.model, decision, deps.latency)

  const stream = req.stream === true
  const clientWantsUsage = req.stream_options?.include_usage === true
  const timeoutsFor = (t: Target) => resolveTimeouts(rt.config.gateway.resilience, t, rt.catalog.resolve(decision.route).timeouts)
  // the stages above return a new object when they change the request
  const raw = req === asSent ? rawBody : undefined

  const { target, value } = await withAttempts(ctx, targets, { resilience: rt.config.gateway.resilience, clock: deps.clock, health: deps.health }, (t) => traceAttempt(r, t, stream, async (span) => {
    const adapter = adapterFor(t.config.type)
    if (!adapter) throw new GatewayError('upstream_unavailable', `No adapter for provider type "${t.config.type}".`)
    const actx = adapterContext(deps, rt, t, stream, raw)
    const upstreamReq = adapter.chatRequest(req, actx)
    injectTraceHeaders(upstreamReq.headers)
    const upstream = await deps.transports.for(t).send(upstreamReq, { signal: ctx.signal, timeouts: timeoutsFor(t) })
    span.setAttribute('http.response.status_code', upstream.status)
    if (upstream.status >= 400) throw await upstreamFailure(adapter, upstream, actx)
    if (!stream) {
      const parsed = adapter.chatResponse(await upstream.text(), actx)
      annotateResponse(span, parsed.value.model, parsed.value.usage)
      return { kind: 'json' as const, parsed }
    }
    // peek at the first batch: a failure before anything reached the client can still be retried
    const batches = mappedBatches(upstream, adapter.createChatStream(actx), t.provider)
    const first = await batches.next()
    const firstBatch = first.done ? [] : first.value
    if (firstBatch[0]?.kind === 'error') {
      await batches.return(undefined)
      throw firstBatch[0].error
    }
    return { kind: 'stream' as const, batches, first: firstBatch }
  }))

  r.provider = target.provider
  r.model = target.model
  deps.latency?.observe(target, r.attempts[r.attempts.length - 1]?.latency_ms ?? Number.NaN)
  Object.assign(ctx.responseHeaders, {
    'x-switchyard-provider': target.provider,
    'x-switchyard-model': target.model,
    'x-switchyard-attempts': String(r.attempts.length),
  })

  if (value.kind === 'json') {
    const usage = usageOrEstimate(r, normalizeUsage(value.parsed.value.usage), req, () => completionText(value.parsed.value.choices))
    const cost = settleUsage(rt, ctx, target, usage)
    ctx.responseHeaders['x-switchyard-cost-usd'] = cost === null ? 'unknown' : cost.toFixed(8)
    if (rt.config.gateway.audit.bodies !== 'none') r.responseBody = value.parsed.value
    await afterSuccess(deps, ctx, req, usage, cost, value.parsed.value.choices[0]?.message.content ?? '')
    return { kind: 'json', status: 200, body: value.parsed.text }
  }

  const summary: StreamSummary = { usage: null, content: '', error: null, cancelled: false, firstByteMono: null }
  const encoded = encodeForClient(value.batches, value.first, { clientWantsUsage, now: deps.clock.mono }, summary)
  async function* relay(): AsyncGenerator<string> {
    try {
      yield* encoded
    } finally {
      if (summary.firstByteMono !== null) r.ttftMs = Math.round(summary.firstByteMono - ctx.startMono)
      const usage = usageOrEstimate(r, normalizeUsage(summary.usage), req, () => summary.content)
      const cost = settleUsage(rt, ctx, target, usage)
      if (summary.cancelled || clientLeft(ctx.signal)) {
        r.outcome = 'client_cancelled'
      } else if (summary.error) {
        deps.health?.failure(target, summary.error) // a stream that broke mid-way counts against its target
        r.outcome = summary.error.code === 'upstream_timeout' ? 'timeout' : 'upstream_error'
        r.errorType = summary.error.code
        r.errorMessage = summary.error.message.slice(0, 1000)
      }
      if (rt.config.gateway.audit.bodies !== 'none') r.responseBody = { content: summary.content }
      await afterSuccess(deps, ctx, req, usage, cost, summary.error || summary.cancelled ? null : summary.content)
    }
  }
  return { kind: 'stream', body: relay() }
}

function adapterContext(deps: ChatDeps, rt: Runtime, target: Target, stream: boolean, rawBody?: string): AdapterContext {
  return { target, apiKey: rt.config.secrets.get(target.provider), stream, now: () => Math.floor(deps.clock.now() / 1000), newId: deps.newId, rawBody }
}

export async function upstreamFailure(adapter: ProviderAdapter, res: UpstreamResponse, actx: AdapterContext): Promise<GatewayError> {
  let text = ''
  try {
    text = await res.text()
  } catch {
    // the error body itself failed: classify by status alone
  }
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return adapter.mapError(res.status, body, res.headers, actx)
}

/** The requested model must be allowed for the key (or its team); the chosen route must exist. */
function routeTargets(rt: Runtime, ctx: CallContext, requested: string, decision: Decision, latency: LatencyTracker | undefined): Target[] {
  const allowed = ctx.principal.keyModels ?? ctx.principal.team.models
  if (allowed && !allowed.includes(requested) && !(decision.rule !== null && decision.route !== requested)) {
    throw new GatewayError('model_not_allowed', `The model \`${requested}\` is not enabled for team "${ctx.principal.teamId}".`, { param: 'model' })
  }
  return orderTargets(rt.catalog.resolve(decision.route), { pricing: rt.config.pricing, latency })
}

function settleUsage(rt: Runtime, ctx: CallContext, target: Target, usage: NormalizedUsage | null): number | null {
  const r = ctx.record
  if (!usage) return null
  r.promptTokens = usage.prompt
  r.completionTokens = usage.completion
  r.cachedTokens = usage.cached
  r.reasoningTokens = usage.reasoning
  r.costUsd = costUsd(rt.config.pricing, target.provider, target.model, usage)
  return r.costUsd
}

async function afterSuccess(deps: ChatDeps, ctx: CallContext, req: ChatRequest, usage: NormalizedUsage | null, cost: number | null, content: string | null): Promise<void> {
  try {
    await deps.limits?.settle(ctx, usage, cost)
    if (content !== null && deps.context && headerValue(ctx.headers, 'x-switchyard-session')) await deps.context.remember(ctx, req, { content })
  } catch (err) {
    ctx.log.warn({ err }, 'post-call bookkeeping failed')
  }
}
