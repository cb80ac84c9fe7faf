import { isGatewayError } from '../errors/gateway-error.js'
import type { Metrics } from '../observability/metrics.js'
import { inSpanSync } from '../observability/tracer.js'
import type { AuditRecorder } from '../ports/audit-sink.js'
import { ClientCancelledError } from '../providers/shared/transport.js'
import { outcomeForCode, type CallRecord } from './record.js'
import type { Clock } from './clock.js'

export interface FinishDeps {
  audit: AuditRecorder
  metrics: Metrics
  clock: Clock
  /** Told when a call's row is handed off, so shutdown knows the call is over. */
  inflight?: { finish(r: CallRecord): void } | undefined
}

/** Records why a call failed, from any layer. */
export function noteFailure(r: CallRecord, err: unknown): void {
  if (err instanceof ClientCancelledError) {
    r.outcome = 'client_cancelled'
    r.errorType = 'client_cancelled'
    return
  }
  if (isGatewayError(err)) {
    // an upstream's own 429 or 4xx is an upstream failure, not the gateway's limit or the caller's input
    r.outcome = err.upstreamStatus !== undefined && err.code !== 'upstream_timeout' ? 'upstream_error' : outcomeForCode(err.code)
    r.errorType = err.code
    r.errorMessage = err.message.slice(0, 1000)
    return
  }
  r.outcome = 'upstream_error'
  r.errorType = 'internal_error'
}

/** Closes the call once: latency, status, outcome, then one audit row and the metrics. Idempotent. */
export function finishCall(deps: FinishDeps, r: CallRecord, startMono: number, status: number): boolean {
  if (r.latencyMs !== null) return false
  r.latencyMs = Math.max(0, Math.round((deps.clock.mono() - startMono) * 100) / 100)
  r.status = status
  if (r.outcome === null || (r.outcome === 'ok' && status >= 400)) r.outcome = status < 400 ? 'ok' : status === 499 ? 'client_cancelled' : 'upstream_error'
  inSpanSync('switchyard.audit.enqueue', {}, () => deps.audit.record(r))
  deps.metrics.observeCall(r)
  deps.inflight?.finish(r)
  return true
}
