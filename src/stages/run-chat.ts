import type { Call } from '../call/call.js'
import { clientLeft } from '../call/cancel.js'
import type { ChatRequest } from '../call/chat.js'
import type { ChatCompletion, StreamOut, WireFormat } from '../call/chat-result.js'
import { annotateResponse, traceAttempt } from '../observability/call-span.js'
import { inSpan, inSpanSync } from '../observability/tracer.js'
import { applySet } from '../policy/apply-set.js'
import { decideCall } from '../policy/decide-call.js'
import type { Decision } from '../policy/types.js'
import type { AdapterContext, NativeCodec, NativeRequest, ProviderAdapter } from '../providers/types.js'
import { normalizeUsage } from '../usage/cost.js'
import { estimatePromptTokens } from '../usage/estimate.js'
import { completionText, usageOrEstimate } from '../usage/tokenize.js'
import { withAttempts } from './attempts.js'
import { exchange } from './exchange.js'
import { routeStage, served } from './route.js'
import { settleStage, settleUsage } from './settle.js'
import { mappedBatches, watchedStream, type StreamSummary } from './stream.js'
import type { StageDeps } from './types.js'

/** A generation's answer: whole, or as a stream of the gateway's own events (settled when it ends). */
export type ChatOutcome =
  | { kind: 'result'; completion: ChatCompletion; /** The answer's text as a client format already has it (the upstream's own, or a Chat Completions rendering). */ encoded: { format: WireFormat; text: string } }
  | { kind: 'stream'; events: AsyncGenerator<StreamOut[]> }

export interface ChatSource {
  /** The JSON text of the request itself when the ingress has it (an upstream that would send the same JSON sends that text). */
  rawBody?: string | undefined
  /** The client's request in its own format: a target that speaks that format natively gets it as sent. */
  native?: NativeRequest | undefined
  /**
   * What the client sent that only a target speaking its format natively can carry (hosted tools,
   * hints): left out of a translated call, and then named in `x-switchyard-omitted` and the audit row.
   */
  omitted?: readonly string[] | undefined
}

/**
 * One generation through the fixed list of stages: context -> limits -> policy -> route -> attempts ->
 * settle. Takes and gives only the gateway's own types (the ingress decoded the request and encodes the
 * answer); `source` lets the client's own bytes through where nothing needs translating. Audit and
 * metrics are written when the call ends.
 */
export async function runChat(deps: StageDeps, call: Call, input: ChatRequest, source: ChatSource = {}): Promise<ChatOutcome> {
  const rt = deps.runtime.current // this call keeps this runtime even if a reload happens meanwhile
  const r = call.record
  const bodies = rt.config.gateway.audit.bodies !== 'none'
  r.requestedModel = input.model
  r.stream = input.stream === true
  r.userId = input.user ?? null
  if (bodies) r.requestBody = input

  // context: team prompt and defaults, session history
  const context = deps.context
  let req = context ? await inSpan('switchyard.context', {}, () => context.prepare(call, input)) : input
  // limits: rate and budget admission on an estimate
  const limits = deps.limits
  const estimate = estimatePromptTokens(req)
  const admission = limits ? await inSpan('switchyard.limits', {}, () => limits.admit(call, { promptTokens: estimate })) : {}
  // policy: the first matching rule decides the route (or denies); its `set` applies
  const decision: Decision = inSpanSync('switchyard.policy', {}, (span) => {
    try {
      return decideCall(rt.policy, call, { endpoint: r.endpoint, user: req.user ?? null, model: req.model, metadata: req.metadata ?? {}, request: req, stream: r.stream, budgetUsedPct: admission.budgetUsedPct })
    } finally {
      if (span.isRecording()) span.setAttributes({ 'switchyard.rule': r.rule ?? 'none', 'switchyard.policy_version': r.policyVersion ?? 'none', 'switchyard.team': call.who.teamId })
    }
  })
  req = applySet(req, decision.set)
  // route: allowed models, then the route's targets in strategy order
  const { route, targets } = routeStage(rt, call, req.model, decision, deps.latency)

  // attempts: retries and fallbacks; a stream commits once its first events are in
  const stream = r.stream
  const raw = req === input ? source.rawBody : undefined
  const native = source.native
  const final = req
  const gate = deps.targetLimits?.gate(estimate)
  const { target, value } = await withAttempts(call, targets, { resilience: rt.config.gateway.resilience, clock: deps.clock, health: deps.health, gate }, (t) =>
    traceAttempt(r, t, stream, async (span) => {
      const onStatus = (status: number) => span.setAttribute('http.response.status_code', status)
      // a target that speaks the client's format gets the client's request as sent
      let codec: NativeCodec | undefined
      const build = (a: ProviderAdapter, ctx: AdapterContext) => ((codec = native && a.native?.(native.format, t.config)) ? codec.request(native!, final, ctx) : a.chatRequest(final, ctx))
      const { adapter, actx, upstream } = await exchange(deps, rt, call, t, route, { stream, build, rawBody: raw, onStatus })
      const c: NativeCodec | undefined = codec
      if (!stream) {
        const parsed = c ? c.response(await upstream.text(), actx) : adapter.chatResponse(await upstream.text(), actx)
        annotateResponse(span, parsed.value.model, parsed.value.usage)
        return { kind: 'json' as const, parsed, format: c ? native!.format : ('openai-chat' as WireFormat) }
      }
      // peek at the first batch: a failure before anything reached the client can still be retried
      const batches = mappedBatches(upstream, c ? c.createStream(actx) : adapter.createChatStream(actx), t.provider)
      const first = await batches.next()
      const firstBatch = first.done ? [] : first.value
      if (firstBatch[0]?.kind === 'error') {
        await batches.return(undefined)
        throw firstBatch[0].error
      }
      return { kind: 'stream' as const, batches, first: firstBatch, format: c ? native!.format : ('openai-chat' as WireFormat) }
    }),
  )
  served(call, target, deps.latency)
  if (source.omitted?.length && value.format !== native?.format) {
    r.omitted = [...source.omitted]
    call.responseHeaders['x-switchyard-omitted'] = r.omitted.join(', ')
  }

  // settle: usage (or the tokenizer's estimate), cost, limits, the session turn
  if (value.kind === 'json') {
    const completion = value.parsed.value
    const usage = usageOrEstimate(r, normalizeUsage(completion.usage), final, () => completionText(completion.choices))
    const cost = settleUsage(rt, call, target, usage)
    call.responseHeaders['x-switchyard-cost-usd'] = cost === null ? 'unknown' : cost.toFixed(8)
    if (bodies) r.responseBody = completion
    await settleStage(deps, call, target, final, usage, cost, completion.choices[0]?.message.content ?? '')
    return { kind: 'result', completion, encoded: { format: value.format, text: value.parsed.text } }
  }

  const settle = async (summary: StreamSummary) => {
    if (summary.firstByteMono !== null) r.ttftMs = Math.round(summary.firstByteMono - call.startMono)
    const usage = usageOrEstimate(r, normalizeUsage(summary.usage), final, () => summary.content)
    const cost = settleUsage(rt, call, target, usage)
    const cancelled = clientLeft(call.signal)
    if (cancelled) {
      r.outcome = 'client_cancelled'
    } else if (summary.error) {
      deps.health?.failure(target, summary.error) // a stream that broke mid-way counts against its target
      call.fail(summary.error)
    }
    if (bodies) r.responseBody = { content: summary.content }
    await settleStage(deps, call, target, final, usage, cost, summary.error || cancelled ? null : summary.content)
  }
  return { kind: 'stream', events: watchedStream(value.batches, value.first, deps.clock.mono, settle) }
}
