import type { AuditConfig } from '../../config/schema.js'
import { auditBody } from './bodies.js'
import type { CallRecord } from '../../call/record.js'
import type { AuditSink } from '../../ports/audit-sink.js'
import type { Database } from '../../ports/database.js'

/** The `calls` columns an audit row fills, with their SQL types (as in migrations/). */
export const CALL_COLUMNS = {
  request_id: 'text', started_at: 'timestamptz', endpoint: 'text', trace_id: 'text', team_id: 'text', key_id: 'text',
  user_id: 'text', session_id: 'text', tags: 'text[]', requested_model: 'text', rule: 'text', policy_version: 'text',
  reason: 'text', provider: 'text', model: 'text', attempts: 'jsonb', stream: 'boolean', prompt_tokens: 'integer',
  completion_tokens: 'integer', cached_tokens: 'integer', reasoning_tokens: 'integer', usage_estimated: 'boolean',
  cost_usd: 'numeric(18, 10)', ttft_ms: 'integer', latency_ms: 'real', status: 'smallint', outcome: 'text',
  error_type: 'text', error_message: 'text', request_body: 'jsonb', response_body: 'jsonb', run_id: 'text', step_id: 'text',
  cache_hit: 'boolean', saved_usd: 'numeric(18, 10)', omitted: 'text[]',
} as const

type Column = keyof typeof CALL_COLUMNS
const columns = Object.keys(CALL_COLUMNS) as Column[]

/**
 * One statement for any batch size: the rows travel as a single JSON array parameter that
 * Postgres unpacks with json_to_recordset. Building one JSON string is much cheaper for the
 * gateway than handing pg 31 parameters per row to serialize, and the statement text never changes.
 * `json` rather than `jsonb`: the array is read once, row by row, not stored. A replayed row is a
 * no-op (ON CONFLICT DO NOTHING).
 */
const INSERT_SQL = `INSERT INTO calls (${columns.join(',')}) SELECT ${columns.join(',')} FROM json_to_recordset($1::json) AS r(${columns.map((c) => `${c} ${CALL_COLUMNS[c]}`).join(',')}) ON CONFLICT (request_id, started_at) DO NOTHING`

const str = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v))
const int = (v: number | null): string => (v === null || !Number.isFinite(v) ? 'null' : String(Math.round(v)))
const num = (v: number | null): string => (v === null || !Number.isFinite(v) ? 'null' : String(v))
const json = (v: unknown): string => (v === undefined || v === null ? 'null' : JSON.stringify(v))

/**
 * One row as a JSON object, written in one template (a row object per call handed to
 * JSON.stringify cost twice as much). Every column of CALL_COLUMNS, in order; a test checks the
 * text parses to the row the columns describe.
 */
function rowJson(r: CallRecord, bodies: AuditConfig['bodies']): string {
  return `{"request_id":${str(r.requestId)},"started_at":"${r.startedAt.toISOString()}","endpoint":${str(r.endpoint)},"trace_id":${str(r.traceId)},"team_id":${str(r.teamId)},"key_id":${str(r.keyId)},"user_id":${str(r.userId)},"session_id":${str(r.sessionId)},"tags":${JSON.stringify(r.tags)},"requested_model":${str(r.requestedModel)},"rule":${str(r.rule)},"policy_version":${str(r.policyVersion)},"reason":${str(r.reason)},"provider":${str(r.provider)},"model":${str(r.model)},"attempts":${JSON.stringify(r.attempts)},"stream":${r.stream},"prompt_tokens":${int(r.promptTokens)},"completion_tokens":${int(r.completionTokens)},"cached_tokens":${int(r.cachedTokens)},"reasoning_tokens":${int(r.reasoningTokens)},"usage_estimated":${r.usageEstimated},"cost_usd":${num(r.costUsd)},"ttft_ms":${int(r.ttftMs)},"latency_ms":${num(r.latencyMs)},"status":${int(r.status)},"outcome":${str(r.outcome ?? 'upstream_error')},"error_type":${str(r.errorType)},"error_message":${str(r.errorMessage)},"request_body":${json(auditBody(bodies, r.requestBody))},"response_body":${json(auditBody(bodies, r.responseBody))},"run_id":${str(r.runId)},"step_id":${str(r.stepId)},"cache_hit":${r.cacheHit},"saved_usd":${num(r.savedUsd)},"omitted":${JSON.stringify(r.omitted)}}`
}

/**
 * Postgres text and jsonb cannot hold U+0000: a NUL anywhere (an upstream error message, a body)
 * would fail the whole batch again on every replay. Drops each escaped NUL, leaving an escaped
 * backslash followed by "u0000" alone.
 */
const stripNul = (json: string): string => (json.includes('\\u0000') ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1') : json)

/**
 * Rows encoded per event-loop turn. A row takes a few µs, so a batch built in one go (50 rows at
 * 500 req/s, up to 500) would hold every request that arrives meanwhile for 0.3 ms or more; in
 * turns of this many rows a request waits for one turn at most.
 */
export const ROWS_PER_TURN = 8

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** The batch parameter: the rows as one JSON array, encoded a few rows per event-loop turn. */
export async function rowsJson(rows: readonly CallRecord[], bodies: AuditConfig['bodies']): Promise<string> {
  let out = '['
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) {
      if (i % ROWS_PER_TURN === 0) await nextTurn()
      out += ','
    }
    out += rowJson(rows[i]!, bodies)
  }
  return stripNul(out + ']')
}

interface SqlAuditSinkOptions {
  /** Body mode at write time (read on every batch so a config reload applies). */
  bodies?: () => AuditConfig['bodies']
  /** Brings the schema up (migrations, partitions) before the first write; retried after a failure. */
  prepare?: () => Promise<void>
  /** Rows per statement (one JSON parameter each; bounds the size of a statement). */
  chunkRows?: number
}

/**
 * Writes audit rows to the `calls` table with multi-row INSERTs, on Postgres or PGlite alike.
 * Idempotent on (request_id, started_at): writing a batch twice leaves one row per call.
 */
export class SqlAuditSink implements AuditSink {
  private ready = false
  private readonly chunkRows: number

  constructor(
    private readonly db: Database,
    private readonly opts: SqlAuditSinkOptions = {},
  ) {
    this.chunkRows = opts.chunkRows ?? 500
  }

  async write(rows: readonly CallRecord[]): Promise<void> {
    if (rows.length === 0) return
    if (!this.ready && this.opts.prepare) {
      await this.opts.prepare()
      this.ready = true
    }
    const bodies = this.opts.bodies?.() ?? 'none'
    for (let i = 0; i < rows.length; i += this.chunkRows) {
      await this.db.query(INSERT_SQL, [await rowsJson(rows.slice(i, i + this.chunkRows), bodies)])
    }
  }

  /** The database belongs to whoever opened it. */
  async close(): Promise<void> {}
}
