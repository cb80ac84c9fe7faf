import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { CallRecord } from '../call/record.js'
import { CounterFamily, GaugeFamily, HistogramFamily, seriesResets, type HistogramSeries, type ValueSeries } from './series.js'

const statusClass = (status: number | null): string => (status === null ? 'none' : `${Math.floor(status / 100)}xx`)
const orNone = (v: string | null | undefined): string => v ?? 'none'

interface MetricsOptions {
  /** Node process metrics (switchyard_process_*). On by default. */
  defaultMetrics?: boolean
  /** Provider name in config -> OTel `gen_ai.system` value (defaults to the provider name). */
  genAiSystem?: (provider: string) => string
}

/**
 * The metrics catalog: every metric the gateway exports, declared once (README "Observability"
 * lists them; test/observability/catalog.test.ts keeps both in step).
 * Labels are bounded: team, provider, model, rule, outcome, status class and config-defined names;
 * never user, key or session. `model` is always the upstream model from config, never the raw
 * client string. OpenTelemetry GenAI metrics use the semantic-convention names mapped to
 * Prometheus (dots -> underscores, unit suffix).
 */
export class Metrics {
  readonly registry = new Registry()
  private readonly genAiSystem: (provider: string) => string
  private readonly shapes = new Map<string, CallShape>()
  private readonly attemptShapes = new Map<string, AttemptShape>()
  private shapesEpoch = seriesResets()

  // --- requests (switchyard_*) -------------------------------------------------------------
  readonly requests = new CounterFamily({
    name: 'switchyard_requests_total',
    help: 'Client requests by outcome.',
    labelNames: ['endpoint', 'team', 'provider', 'model', 'rule', 'outcome', 'status_class'] as const,
    registers: [this.registry],
  })

  readonly requestDuration = new HistogramFamily({
    name: 'switchyard_request_duration_seconds',
    help: 'Time from request received to last byte sent.',
    labelNames: ['endpoint', 'provider', 'model', 'outcome', 'stream'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  })

  readonly overhead = new HistogramFamily({
    name: 'switchyard_gateway_overhead_seconds',
    help: 'Time spent outside upstream attempts on calls that reached an upstream: request latency (to first byte for streams) minus attempt time. Includes retry backoff.',
    labelNames: ['endpoint', 'provider', 'model'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  })

  readonly inflight = new GaugeFamily({
    name: 'switchyard_inflight_requests',
    help: 'Requests being served now; stream="true" once an SSE stream is being relayed.',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  })

  readonly limited = new CounterFamily({
    name: 'switchyard_limited_requests_total',
    help: 'Requests refused by the gateway limits, by reason (rate_limited, over_budget).',
    labelNames: ['team', 'reason'] as const,
    registers: [this.registry],
  })

  readonly budgetUsedRatio = new GaugeFamily({
    name: 'switchyard_budget_used_ratio',
    help: 'Share (0-1) of a team budget spent in the current period.',
    labelNames: ['team', 'period'] as const,
    registers: [this.registry],
  })

  // --- upstream ------------------------------------------------------------------------------
  readonly upstreamAttempts = new CounterFamily({
    name: 'switchyard_upstream_attempts_total',
    help: 'Upstream attempts (first tries, retries and fallbacks) by result.',
    labelNames: ['provider', 'model', 'status_class'] as const,
    registers: [this.registry],
  })

  readonly retries = new CounterFamily({
    name: 'switchyard_retries_total',
    help: 'Attempts repeated on the same target after a retryable failure.',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  })

  readonly fallbacks = new CounterFamily({
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

  // --- usage and cost ------------------------------------------------------------------------
  readonly tokens = new CounterFamily({
    name: 'switchyard_tokens_total',
    help: 'Tokens by direction (input, output, cached, reasoning).',
    labelNames: ['team', 'provider', 'model', 'direction'] as const,
    registers: [this.registry],
  })

  readonly cost = new CounterFamily({
    name: 'switchyard_cost_usd_total',
    help: 'Spend in USD computed from the pricing table.',
    labelNames: ['team', 'provider', 'model'] as const,
    registers: [this.registry],
  })

  // --- OpenTelemetry GenAI semantic conventions ----------------------------------------------
  readonly genAiTokenUsage = new HistogramFamily({
    name: 'gen_ai_client_token_usage',
    help: 'gen_ai.client.token.usage: tokens per upstream call, by token type (input, output).',
    labelNames: ['gen_ai_operation_name', 'gen_ai_system', 'gen_ai_request_model', 'gen_ai_token_type'] as const,
    buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304],
    registers: [this.registry],
  })

  readonly genAiOperationDuration = new HistogramFamily({
    name: 'gen_ai_client_operation_duration_seconds',
    help: 'gen_ai.client.operation.duration: duration of each upstream attempt (to the end of the body, or the first chunk of a stream).',
    labelNames: ['gen_ai_operation_name', 'gen_ai_system', 'gen_ai_request_model', 'error_type'] as const,
    buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
    registers: [this.registry],
  })

  readonly genAiTimeToFirstToken = new HistogramFamily({
    name: 'gen_ai_server_time_to_first_token_seconds',
    help: 'gen_ai.server.time_to_first_token: request received to first streamed token sent (streams only).',
    labelNames: ['gen_ai_operation_name', 'gen_ai_system', 'gen_ai_request_model'] as const,
    buckets: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [this.registry],
  })

  // --- audit ---------------------------------------------------------------------------------
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

  // --- policy and storage --------------------------------------------------------------------
  readonly policyReloads = new Counter({
    name: 'switchyard_policy_reloads_total',
    help: 'Config and policy reloads by result (success, error); the startup load counts as a success, an error keeps the running version.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  })

  readonly policyInfo = new Gauge({
    name: 'switchyard_policy_info',
    help: 'The policy version (content hash) in force; value 1.',
    labelNames: ['version'] as const,
    registers: [this.registry],
  })

  readonly storageErrors = new Counter({
    name: 'switchyard_storage_errors_total',
    help: 'Errors talking to Redis or Postgres (backend="redis"|"postgres").',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  })

  readonly limitsEnforced = new Gauge({
    name: 'switchyard_limits_enforced',
    help: '1 while the limit store answers; 0 while rate limits and budgets are not enforced (store unreachable, fail open).',
    registers: [this.registry],
  })

  constructor(opts: MetricsOptions = {}) {
    this.genAiSystem = opts.genAiSystem ?? ((p) => p)
    // known label values start at zero so rates and alerts see a series before the first event
    for (const result of ['success', 'error']) this.policyReloads.inc({ result }, 0)
    for (const backend of ['redis', 'postgres']) this.storageErrors.inc({ backend }, 0)
    for (const stream of ['true', 'false']) this.inflight.set({ stream }, 0)
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
    const shape = this.callShape(r)
    this.requests.add(shape.requests)
    if (r.latencyMs !== null) this.requestDuration.observeSeries(shape.duration ??= this.requestDuration.at({ endpoint: r.endpoint, provider: shape.provider, model: shape.model, outcome: shape.outcome, stream: String(r.stream) }), r.latencyMs / 1000)
    if (r.outcome === 'rate_limited' || r.outcome === 'over_budget') this.limited.inc({ team: shape.team, reason: r.outcome })
    this.observeAttempts(r, shape)
    if (r.promptTokens) this.tokens.add(shape.tokens[0] ??= this.tokenSeries(shape, 'input'), r.promptTokens)
    if (r.completionTokens) this.tokens.add(shape.tokens[1] ??= this.tokenSeries(shape, 'output'), r.completionTokens)
    if (r.cachedTokens) this.tokens.add(shape.tokens[2] ??= this.tokenSeries(shape, 'cached'), r.cachedTokens)
    if (r.reasoningTokens) this.tokens.add(shape.tokens[3] ??= this.tokenSeries(shape, 'reasoning'), r.reasoningTokens)
    if (r.costUsd) this.cost.add(shape.cost ??= this.cost.at({ team: shape.team, provider: shape.provider, model: shape.model }), r.costUsd)
    if (r.provider !== null && r.model !== null) {
      const op = { gen_ai_operation_name: operationName(r), gen_ai_system: this.genAiSystem(r.provider), gen_ai_request_model: r.model }
      if (r.promptTokens !== null) this.genAiTokenUsage.observeSeries(shape.genAiInput ??= this.genAiTokenUsage.at({ ...op, gen_ai_token_type: 'input' }), r.promptTokens)
      if (r.completionTokens !== null) this.genAiTokenUsage.observeSeries(shape.genAiOutput ??= this.genAiTokenUsage.at({ ...op, gen_ai_token_type: 'output' }), r.completionTokens)
      if (r.stream && r.ttftMs !== null) this.genAiTimeToFirstToken.observeSeries(shape.ttft ??= this.genAiTimeToFirstToken.at(op), r.ttftMs / 1000)
    }
  }

  /**
   * The series a call of this shape updates, looked up once per call: a call touches about ten
   * series, and building each one's label key was most of the metrics' cost per call. Handles are
   * filled on first use, so /metrics shows only series that were updated, as before.
   */
  private callShape(r: CallRecord): CallShape {
    if (this.shapesEpoch !== seriesResets() || this.shapes.size >= MAX_SHAPES || this.attemptShapes.size >= MAX_SHAPES) {
      this.shapes.clear()
      this.attemptShapes.clear()
      this.shapesEpoch = seriesResets()
    }
    const key = `${r.endpoint}\u0001${r.teamId}\u0001${r.provider}\u0001${r.model}\u0001${r.rule}\u0001${r.outcome}\u0001${r.status}\u0001${r.stream}`
    let shape = this.shapes.get(key)
    if (!shape) {
      const team = orNone(r.teamId)
      const provider = orNone(r.provider)
      const model = orNone(r.model)
      const outcome = orNone(r.outcome)
      shape = {
        team, provider, model, outcome,
        requests: this.requests.at({ endpoint: r.endpoint, team, provider, model, rule: orNone(r.rule), outcome, status_class: statusClass(r.status) }),
        duration: null, overhead: null, tokens: [null, null, null, null], cost: null, genAiInput: null, genAiOutput: null, ttft: null,
      }
      this.shapes.set(key, shape)
    }
    return shape
  }

  private tokenSeries(shape: CallShape, direction: string): ValueSeries {
    return this.tokens.at({ team: shape.team, provider: shape.provider, model: shape.model, direction })
  }

  private attemptShape(r: CallRecord, a: CallRecord['attempts'][number]): AttemptShape {
    const error = a.error === null ? null : errorType(a.error)
    const op = operationName(r)
    const key = `${a.provider}\u0001${a.model}\u0001${a.status}\u0001${error}\u0001${op}`
    let shape = this.attemptShapes.get(key)
    if (!shape) {
      const labels = { gen_ai_operation_name: op, gen_ai_system: this.genAiSystem(a.provider), gen_ai_request_model: a.model }
      shape = {
        attempts: this.upstreamAttempts.at({ provider: a.provider, model: a.model, status_class: statusClass(a.status) }),
        duration: this.genAiOperationDuration.at(error === null ? labels : { ...labels, error_type: error }),
      }
      this.attemptShapes.set(key, shape)
    }
    return shape
  }

  private observeAttempts(r: CallRecord, shape: CallShape): void {
    let upstreamMs = 0
    const attempts = r.attempts
    for (let i = 0; i < attempts.length; i++) {
      const a = attempts[i]!
      upstreamMs += a.latency_ms
      const as = this.attemptShape(r, a)
      this.upstreamAttempts.add(as.attempts)
      this.genAiOperationDuration.observeSeries(as.duration, a.latency_ms / 1000)
      const prev = attempts[i - 1]
      if (!prev) continue
      if (prev.provider === a.provider && prev.model === a.model) this.retries.inc({ provider: a.provider, model: a.model })
      else this.fallbacks.inc({ provider: prev.provider, model: prev.model })
    }
    if (attempts.length === 0 || r.latencyMs === null) return
    const until = r.stream && r.ttftMs !== null ? r.ttftMs : r.latencyMs
    const overhead = Math.max(0, until - upstreamMs) / 1000
    // the call's own provider/model, or (a call that failed on every target) its last attempt's
    if (r.provider !== null && r.model !== null) this.overhead.observeSeries(shape.overhead ??= this.overhead.at({ endpoint: r.endpoint, provider: r.provider, model: r.model }), overhead)
    else this.overhead.observe({ endpoint: r.endpoint, provider: orNone(r.provider ?? attempts.at(-1)?.provider), model: orNone(r.model ?? attempts.at(-1)?.model) }, overhead)
  }
}

/** Distinct call shapes kept before the cache starts over (the labels are bounded; this bounds the rest). */
const MAX_SHAPES = 5000

interface CallShape {
  team: string
  provider: string
  model: string
  outcome: string
  requests: ValueSeries
  duration: HistogramSeries | null
  overhead: HistogramSeries | null
  /** input, output, cached, reasoning */
  tokens: [ValueSeries | null, ValueSeries | null, ValueSeries | null, ValueSeries | null]
  cost: ValueSeries | null
  genAiInput: HistogramSeries | null
  genAiOutput: HistogramSeries | null
  ttft: HistogramSeries | null
}

interface AttemptShape {
  attempts: ValueSeries
  duration: HistogramSeries
}

const operationName = (r: CallRecord): string => (r.endpoint === 'embeddings' ? 'embeddings' : 'chat')

/** The attempt error text starts with the gateway error code (`code: message`); only the code is a label. */
const errorType = (error: string): string => {
  const code = error.split(':', 1)[0] ?? ''
  return /^[a-z_]{1,40}$/.test(code) ? code : 'error'
}
