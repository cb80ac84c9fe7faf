import type { CallRecord } from '../call/record.js'
import type { Target } from '../providers/types.js'
import { failSpan, inSpan, noSpan, SpanKind, startServerSpan, startSpan, traceIdOf, tracingEnabled, withActiveSpan, type Span } from './tracer.js'

/** OTel `gen_ai.system` / `gen_ai.provider.name` for a provider type (well-known values where they exist). */
export function genAiSystem(providerType: string | undefined): string {
  switch (providerType) {
    case 'gemini': return 'gcp.gemini'
    case 'azure': return 'azure.ai.openai'
    case undefined: return 'unknown'
    default: return providerType
  }
}

const operationName = (r: CallRecord): string => (r.endpoint === 'embeddings' ? 'embeddings' : 'chat')

/** Opens the server span of a proxied call and puts its trace id on the record (audit row, log line). */
export function openCallSpan(r: CallRecord, method: string, route: string, headers: Readonly<Record<string, string | string[] | undefined>>): Span {
  const span = startServerSpan(`${method} ${route}`, headers, { 'http.request.method': method, 'http.route': route, 'switchyard.request_id': r.requestId })
  r.traceId = traceIdOf(span)
  return span
}

/** The span of a call made in-process (a workflow step): a child of its parent call's span, if any. */
export function openChildCallSpan(r: CallRecord, parent: Span | undefined): Span {
  const span = startSpan(`call ${r.endpoint}`, { 'switchyard.request_id': r.requestId }, { kind: SpanKind.INTERNAL, parent })
  r.traceId = traceIdOf(span)
  return span
}

/** The auth span, a child of the server span (the preHandler hook runs outside its context). */
export function traceAuth<T>(parent: Span | undefined, fn: () => Promise<T>): Promise<T> {
  return withActiveSpan(parent, () => inSpan('switchyard.auth', {}, fn))
}

/** Streaming attempts that succeeded stay open until the call closes, to cover the whole stream. */
const openAttempts = new WeakMap<CallRecord, Span>()

/**
 * One upstream attempt as a GenAI client span (`chat <model>`), active while `fn` runs so the
 * transport's traceparent names it as the parent.
 */
export function traceAttempt<T>(r: CallRecord, target: Target, keepOpen: boolean, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracingEnabled() ? traceRecordedAttempt(r, target, keepOpen, fn) : fn(noSpan)
}

async function traceRecordedAttempt<T>(r: CallRecord, target: Target, keepOpen: boolean, fn: (span: Span) => Promise<T>): Promise<T> {
  const op = operationName(r)
  const span = startSpan(`${op} ${target.model}`, {
    'gen_ai.operation.name': op,
    'gen_ai.system': genAiSystem(target.config.type),
    'gen_ai.provider.name': genAiSystem(target.config.type),
    'gen_ai.request.model': target.model,
    'switchyard.provider': target.provider,
    'switchyard.attempt': r.attempts.length + 1,
  }, { kind: SpanKind.CLIENT })
  let ok = false
  try {
    const value = await withActiveSpan(span, () => fn(span))
    ok = true
    return value
  } catch (err) {
    failSpan(span, err)
    throw err
  } finally {
    if (ok && keepOpen && span.isRecording()) openAttempts.set(r, span)
    else span.end()
  }
}

/** Response model and usage on an attempt span (non-streaming answers, where they are known at once). */
export function annotateResponse(span: Span, model: string | undefined, usage: { prompt_tokens?: number; completion_tokens?: number } | null | undefined): void {
  if (!span.isRecording()) return
  if (model) span.setAttribute('gen_ai.response.model', model)
  if (usage?.prompt_tokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', usage.prompt_tokens)
  if (usage?.completion_tokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', usage.completion_tokens)
}

/** Closes the call's spans with what the record learned: routing, usage, outcome. */
export function closeCallSpan(span: Span | undefined, r: CallRecord, providerType: (provider: string) => string | undefined): void {
  const attempt = openAttempts.get(r)
  openAttempts.delete(r)
  if (attempt) {
    annotateResponse(attempt, r.model ?? undefined, { prompt_tokens: r.promptTokens ?? undefined, completion_tokens: r.completionTokens ?? undefined })
    if (r.outcome !== 'ok') failSpan(attempt, { code: r.errorType ?? r.outcome ?? 'error' })
    attempt.end()
  }
  if (!span?.isRecording()) return
  const attrs: Record<string, string | number | boolean> = {
    'http.response.status_code': r.status ?? 0,
    'gen_ai.operation.name': operationName(r),
    'switchyard.outcome': r.outcome ?? 'none',
    'switchyard.stream': r.stream,
    'switchyard.attempts': r.attempts.length,
    'switchyard.rule': r.rule ?? 'none',
  }
  if (r.teamId !== null) attrs['switchyard.team'] = r.teamId
  if (r.policyVersion !== null) attrs['switchyard.policy_version'] = r.policyVersion
  if (r.requestedModel !== null) attrs['gen_ai.request.model'] = r.requestedModel
  if (r.provider !== null) {
    attrs['switchyard.provider'] = r.provider
    attrs['gen_ai.system'] = genAiSystem(providerType(r.provider))
  }
  if (r.model !== null) attrs['gen_ai.response.model'] = r.model
  if (r.promptTokens !== null) attrs['gen_ai.usage.input_tokens'] = r.promptTokens
  if (r.completionTokens !== null) attrs['gen_ai.usage.output_tokens'] = r.completionTokens
  if (r.costUsd !== null) attrs['switchyard.cost_usd'] = r.costUsd
  if (r.ttftMs !== null) attrs['switchyard.ttft_ms'] = r.ttftMs
  span.setAttributes(attrs)
  if (r.outcome !== 'ok') failSpan(span, { code: r.errorType ?? r.outcome ?? 'error' })
  span.end()
}
