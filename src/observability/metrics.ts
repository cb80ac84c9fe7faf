import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { CallRecord } from '../core/call-record.js'

const statusClass = (status: number | null): string => (status === null ? 'none' : `${Math.floor(status / 100)}xx`)
const orNone = (v: string | null | undefined): string => v ?? 'none'

/**
 * Every metric the gateway exports, declared once. Labels are bounded: team, provider, model, rule,
 * outcome, status class; never user, key or session.
 */
export class Metrics {
  readonly registry = new Registry()

  readonly requests = new Counter({
    name: 'switchyard_requests_total',
    help: 'Client requests by outcome.',
    labelNames: ['endpoint', 'team', 'provider', 'model', 'rule', 'outcome', 'status_class'] as const,
    registers: [this.registry],
  })

  readonly requestDuration = new Histogram({
    name: 'switchyard_request_duration_seconds',
    help: 'Time from request received to last byte sent.',
    labelNames: ['endpoint', 'provider', 'model', 'outcome', 'stream'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  })

  readonly upstreamAttempts = new Counter({
    name: 'switchyard_upstream_attempts_total',
    help: 'Upstream attempts (first tries, retries and fallbacks) by result.',
    labelNames: ['provider', 'model', 'status_class'] as const,
    registers: [this.registry],
  })

  readonly tokens = new Counter({
    name: 'switchyard_tokens_total',
    help: 'Tokens by direction (input, output, cached, reasoning).',
    labelNames: ['team', 'provider', 'model', 'direction'] as const,
    registers: [this.registry],
  })

  readonly cost = new Counter({
    name: 'switchyard_cost_usd_total',
    help: 'Spend in USD computed from the pricing table.',
    labelNames: ['team', 'provider', 'model'] as const,
    registers: [this.registry],
  })

  readonly inflight = new Gauge({
    name: 'switchyard_inflight_requests',
    help: 'Requests being served now.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  })

  readonly retries = new Counter({
    name: 'switchyard_retries_total',
    help: 'Attempts repeated on the same target after a retryable failure.',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  })

  readonly fallbacks = new Counter({
    name: 'switchyard_fallbacks_total',
    help: 'Times a call gave up on a target (provider, model) and moved on to the next one.',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  })

  readonly breakerState = new Gauge({
    name: 'switchyard_breaker_state',
    help: 'Circuit breaker per target: 0 closed, 1 half-open (probing), 2 open (skipped).',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  })

  readonly breakerTransitions = new Counter({
    name: 'switchyard_breaker_transitions_total',
    help: 'Circuit breaker state changes per target, by the state entered.',
    labelNames: ['provider', 'model', 'to'] as const,
    registers: [this.registry],
  })

  readonly auditQueueDepth = new Gauge({
    name: 'switchyard_audit_queue_depth',
    help: 'Audit rows waiting in memory for the next batch.',
    registers: [this.registry],
  })

  readonly auditSpoolDepth = new Gauge({
    name: 'switchyard_audit_spool_rows',
    help: 'Audit rows on local disk waiting for the database.',
    registers: [this.registry],
  })

  readonly auditRowsWritten = new Counter({
    name: 'switchyard_audit_rows_written_total',
    help: 'Audit rows written to the database (replays included).',
    registers: [this.registry],
  })

  readonly auditRowsSpooled = new Counter({
    name: 'switchyard_audit_rows_spooled_total',
    help: 'Audit rows written to the local spool because the database failed or was slow.',
    registers: [this.registry],
  })

  readonly auditWriteFailures = new Counter({
    name: 'switchyard_audit_write_failures_total',
    help: 'Audit batch writes that failed or timed out.',
    registers: [this.registry],
  })

  readonly policyReloads = new Counter({
    name: 'switchyard_policy_reloads_total',
    help: 'Config and policy reloads by result (success, error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  })

  readonly policyInfo = new Gauge({
    name: 'switchyard_policy_info',
    help: 'The policy version (content hash) in force; value 1.',
    labelNames: ['version'] as const,
    registers: [this.registry],
  })

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_process_' })
  }

  /** A reload attempt (the startup load counts as a success). */
  reloaded(result: 'success' | 'error', version: string): void {
    this.policyReloads.inc({ result })
    if (result === 'success') {
      this.policyInfo.reset()
      this.policyInfo.set({ version }, 1)
    }
  }

  /** Called once per finished call, from its audit record. */
  observeCall(r: CallRecord): void {
    const provider = orNone(r.provider)
    const model = orNone(r.model)
    const team = orNone(r.teamId)
    this.requests.inc({ endpoint: r.endpoint, team, provider, model, rule: orNone(r.rule), outcome: orNone(r.outcome), status_class: statusClass(r.status) })
    if (r.latencyMs !== null) {
      this.requestDuration.observe({ endpoint: r.endpoint, provider, model, outcome: orNone(r.outcome), stream: String(r.stream) }, r.latencyMs / 1000)
    }
    r.attempts.forEach((a, i) => {
      this.upstreamAttempts.inc({ provider: a.provider, model: a.model, status_class: statusClass(a.status) })
      const prev = i > 0 ? r.attempts[i - 1] : undefined
      if (!prev) return
      if (prev.provider === a.provider && prev.model === a.model) this.retries.inc({ provider: a.provider, model: a.model })
      else this.fallbacks.inc({ provider: prev.provider, model: prev.model })
    })
    if (r.promptTokens) this.tokens.inc({ team, provider, model, direction: 'input' }, r.promptTokens)
    if (r.completionTokens) this.tokens.inc({ team, provider, model, direction: 'output' }, r.completionTokens)
    if (r.cachedTokens) this.tokens.inc({ team, provider, model, direction: 'cached' }, r.cachedTokens)
    if (r.reasoningTokens) this.tokens.inc({ team, provider, model, direction: 'reasoning' }, r.reasoningTokens)
    if (r.costUsd) this.cost.inc({ team, provider, model }, r.costUsd)
  }
}
