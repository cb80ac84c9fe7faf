import { context, INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api'

/**
 * The tracer facade the core and the HTTP layer use. It only touches @opentelemetry/api, which is a
 * no-op until an SDK registers (src/observability/tracing.ts, loaded only when OTEL_* asks for it):
 * with tracing off every call here returns a non-recording span and does no other work.
 */
const tracer = trace.getTracer('switchyard')

/**
 * False until an SDK registers (startTracing). While false, every function here skips the API's
 * context copies and span objects: one shared non-recording span stands in for all of them.
 */
let enabled = false
/** The non-recording span that stands in for every span while tracing is off. */
export const noSpan: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT)

/** Called by the SDK bootstrap (src/observability/tracing.ts) when it starts and when it stops. */
export function setTracingEnabled(on: boolean): void {
  enabled = on
}

export type { Span }
export { SpanKind }

type Headers = Readonly<Record<string, string | string[] | undefined>>
const headerGetter = {
  keys: (carrier: Headers) => Object.keys(carrier),
  get: (carrier: Headers, key: string) => carrier[key],
}

/** The server span of one client request; the caller's traceparent (if any) is its parent. */
export function startServerSpan(name: string, headers: Headers, attributes: Attributes): Span {
  if (!enabled) return noSpan
  const parent = propagation.extract(context.active(), headers, headerGetter)
  return tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent)
}

/** A span that is not made active (ended by the caller), child of `parent` or of the active span. */
export function startSpan(name: string, attributes: Attributes = {}, opts: { kind?: SpanKind; parent?: Span | undefined } = {}): Span {
  if (!enabled) return noSpan
  const ctx = opts.parent ? trace.setSpan(context.active(), opts.parent) : context.active()
  return tracer.startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes }, ctx)
}

/** Runs `fn` with `span` as the active span (children and propagated headers attach to it). */
export function withActiveSpan<T>(span: Span | undefined, fn: () => T): T {
  return span && enabled ? context.with(trace.setSpan(context.active(), span), fn) : fn()
}

/** True once an SDK records spans; callers may skip building span attributes while false. */
export const tracingEnabled = (): boolean => enabled

/**
 * Runs `fn` inside a new active child span, ending it (with the error status on a throw). Not an
 * async function: with tracing off it returns `fn`'s own promise, without wrapping it in another.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return enabled ? inRecordedSpan(name, attributes, fn, kind) : fn(noSpan)
}

async function inRecordedSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind): Promise<T> {
  const span = tracer.startSpan(name, { kind, attributes })
  try {
    return await context.with(trace.setSpan(context.active(), span), () => fn(span))
  } catch (err) {
    failSpan(span, err)
    throw err
  } finally {
    span.end()
  }
}

/** Synchronous variant of inSpan. */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  if (!enabled) return fn(noSpan)
  const span = tracer.startSpan(name, { attributes })
  try {
    return context.with(trace.setSpan(context.active(), span), () => fn(span))
  } catch (err) {
    failSpan(span, err)
    throw err
  } finally {
    span.end()
  }
}

/** Marks a span failed: error status, `error.type` and the exception event. */
export function failSpan(span: Span, err: unknown): void {
  if (!span.isRecording()) return
  const code = (err as { code?: unknown } | null)?.code
  span.setAttribute('error.type', typeof code === 'string' ? code : ((err as Error | null)?.name ?? 'error'))
  if (err instanceof Error) span.recordException(err)
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message.slice(0, 200) : undefined })
}

/** Adds W3C `traceparent` (and `tracestate`) for the active span to outgoing headers; no-op when tracing is off. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  if (!enabled) return
  propagation.inject(context.active(), headers)
}

/** The trace id of a span, or null when tracing is off (invalid span context). */
export function traceIdOf(span: Span | undefined): string | null {
  const sc = span?.spanContext()
  return sc && isSpanContextValid(sc) ? sc.traceId : null
}

