import type { Logger } from 'pino'
import type { Principal } from '../identity/principal.js'
import { logCall } from '../observability/call-log.js'
import { closeCallSpan, openCallSpan, openChildCallSpan } from '../observability/call-span.js'
import type { Metrics } from '../observability/metrics.js'
import { inSpanSync, withActiveSpan, type Span } from '../observability/tracer.js'
import type { AuditRecorder } from '../ports/audit-sink.js'
import { CallSignal } from './cancel.js'
import type { Clock } from './clock.js'
import { noteFailure } from './failure.js'
import type { InflightCalls } from './inflight.js'
import type { Log } from './log.js'
import { newCallRecord, type CallRecord, type Endpoint } from './record.js'

type Headers = Readonly<Record<string, string | string[] | undefined>>

/** What ending a call writes to: the audit recorder, metrics, the in-flight list, the call log line. */
export interface CallServices {
  audit: AuditRecorder
  metrics: Metrics
  clock: Clock
  inflight: InflightCalls
  /** The gateway's logger: the one call line is written through it. */
  logger: Logger
  /** Provider name in config -> provider type (span attributes). */
  providerType: (provider: string) => string | undefined
}

export interface OpenCallOptions {
  requestId: string
  endpoint: Endpoint
  /** The client's request headers (session, tags, headers policy rules read); none for in-process calls. */
  headers?: Headers
  /** The request's logger (a lazy child); defaults to the gateway's. */
  log?: Log
  /** HTTP method and route, for the server span of a call that came in over HTTP. */
  http?: { method: string; route: string }
  /** The call this one is a step of (a workflow run's call): its span is this call's parent. */
  parent?: Call
  /** Known at once for in-process calls (a workflow step runs as its run's team). */
  principal?: Principal
  /** The workflow run and step this call is (policy rules can match them; the audit row records them). */
  workflow?: { name: string; runId: string; step: string }
}

/**
 * One client call, from its first byte (or an in-process start) to its audit row: ids, who, the
 * cancellation signal, headers in and out, the audit record. Opened by the HTTP layer or in-process
 * (workflows, the CLI), filled by the stages, and ended exactly once by `end()`, which writes the audit
 * row, the metrics, the call log line and the span from one place.
 */
export class Call {
  readonly requestId: string
  readonly record: CallRecord
  readonly signal = new CallSignal()
  readonly startMono: number
  readonly headers: Headers
  /** Headers to put on the response, whatever its outcome (rate-limit headers, routing headers). */
  readonly responseHeaders: Record<string, string>
  readonly parent: Call | null
  readonly span: Span
  readonly log: Log
  principal: Principal | null = null
  readonly workflow: { name: string; runId: string; step: string } | null
  /**
   * What keeps an agent session on one target (the routing stage reads the harness session headers
   * itself; an ingress sets this from a body field, such as the Responses API's `prompt_cache_key`).
   */
  affinity: string | null = null
  private streaming = false

  constructor(private readonly services: CallServices, o: OpenCallOptions) {
    const clock = services.clock
    this.requestId = o.requestId
    this.startMono = clock.mono()
    this.record = newCallRecord(o.requestId, o.endpoint, new Date(clock.now()))
    this.headers = o.headers ?? {}
    this.responseHeaders = { 'x-request-id': o.requestId }
    this.parent = o.parent ?? null
    this.log = o.log ?? services.logger
    this.workflow = o.workflow ?? null
    if (o.workflow) {
      this.record.runId = o.workflow.runId
      this.record.stepId = o.workflow.step
    }
    const session = this.header('x-switchyard-session')
    if (session) this.record.sessionId = session.slice(0, 200)
    const tags = this.header('x-switchyard-tags')
    if (tags) this.record.tags = tags.split(',').map((t) => t.trim()).filter(Boolean).slice(0, 20).map((t) => t.slice(0, 100))
    this.span = o.http ? openCallSpan(this.record, o.http.method, o.http.route, this.headers) : openChildCallSpan(this.record, this.parent?.span)
    if (o.principal) this.identify(o.principal)
    services.inflight.add(this)
    services.metrics.inflight.inc({ stream: 'false' })
  }

  /** A request header's first value. */
  header(name: string): string | undefined {
    const v = this.headers[name]
    const s = Array.isArray(v) ? v[0] : v
    return s === '' ? undefined : s
  }

  /** Who is calling, once the key is known. */
  identify(principal: Principal): void {
    this.principal = principal
    this.record.teamId = principal.teamId
    this.record.keyId = principal.keyId
  }

  /** The principal of a call past authentication (the stages only see such calls). */
  get who(): Principal {
    if (!this.principal) throw new Error(`call ${this.requestId} has no principal`)
    return this.principal
  }

  /** Notes why the call failed (any layer); the outcome comes from the error table. */
  fail(err: unknown): void {
    noteFailure(this.record, err)
  }

  /** The answer is being streamed from here on (the in-flight gauge says so). */
  streamStarted(): void {
    if (this.streaming) return
    this.streaming = true
    this.services.metrics.inflight.dec({ stream: 'false' })
    this.services.metrics.inflight.inc({ stream: 'true' })
  }

  get ended(): boolean {
    return this.record.latencyMs !== null
  }

  /**
   * Ends the call once: latency, status, outcome, then one audit row, the metrics, the call log line
   * and the span. Returns false when it had already ended.
   */
  end(status: number): boolean {
    const r = this.record
    if (r.latencyMs !== null) return false
    const s = this.services
    r.latencyMs = Math.max(0, Math.round((s.clock.mono() - this.startMono) * 100) / 100)
    r.status = status
    if (r.outcome === null || (r.outcome === 'ok' && status >= 400)) r.outcome = status < 400 ? 'ok' : status === 499 ? 'client_cancelled' : 'upstream_error'
    s.metrics.inflight.dec({ stream: this.streaming ? 'true' : 'false' })
    withActiveSpan(this.span, () => {
      inSpanSync('switchyard.audit.enqueue', {}, () => s.audit.record(r))
      s.metrics.observeCall(r)
    })
    s.inflight.finish(this)
    logCall(s.logger, r)
    closeCallSpan(this.span, r, s.providerType)
    return true
  }
}
