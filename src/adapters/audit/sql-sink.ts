import type { AuditConfig } from '../../config/schema.js'
import { auditBody } from '../../core/audit-bodies.js'
import type { CallRecord } from '../../core/call-record.js'
import type { AuditSink } from '../../ports/audit-sink.js'
import type { Database } from '../../ports/database.js'

/** Column order of one row; `toParams` yields values in this order. */
export const CALL_COLUMNS = [
  'request_id', 'started_at', 'endpoint', 'trace_id', 'team_id', 'key_id', 'user_id', 'session_id', 'tags',
  'requested_model', 'rule', 'policy_version', 'reason', 'provider', 'model', 'attempts', 'stream',
  'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens', 'usage_estimated', 'cost_usd',
  'ttft_ms', 'latency_ms', 'status', 'outcome', 'error_type', 'error_message', 'request_body', 'response_body',
] as const

const CASTS: Partial<Record<(typeof CALL_COLUMNS)[number], string>> = {
  started_at: 'timestamptz', tags: 'text[]', attempts: 'jsonb', request_body: 'jsonb', response_body: 'jsonb',
}

const int = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : Math.round(v))
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v))

function toParams(r: CallRecord, bodies: AuditConfig['bodies']): unknown[] {
  return [
    r.requestId, r.startedAt instanceof Date ? r.startedAt.toISOString() : r.startedAt, r.endpoint, r.traceId,
    r.teamId, r.keyId, r.userId, r.sessionId, r.tags,
    r.requestedModel, r.rule, r.policyVersion, r.reason, r.provider, r.model, JSON.stringify(r.attempts), r.stream,
    int(r.promptTokens), int(r.completionTokens), int(r.cachedTokens), int(r.reasoningTokens), r.usageEstimated, r.costUsd,
    int(r.ttftMs), r.latencyMs, r.status, r.outcome ?? 'upstream_error', r.errorType, r.errorMessage,
    json(auditBody(bodies, r.requestBody)), json(auditBody(bodies, r.responseBody)),
  ]
}

/** `INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING` for `n` rows: a replayed row is a no-op. */
function insertSql(n: number): string {
  const width = CALL_COLUMNS.length
  const tuples: string[] = []
  for (let i = 0; i < n; i++) {
    const cells = CALL_COLUMNS.map((c, j) => {
      const cast = CASTS[c]
      return cast ? `$${i * width + j + 1}::${cast}` : `$${i * width + j + 1}`
    })
    tuples.push(`(${cells.join(',')})`)
  }
  return `INSERT INTO calls (${CALL_COLUMNS.join(',')}) VALUES ${tuples.join(',')} ON CONFLICT (request_id, started_at) DO NOTHING`
}

export interface SqlAuditSinkOptions {
  /** Body mode at write time (read on every batch so a config reload applies). */
  bodies?: () => AuditConfig['bodies']
  /** Brings the schema up (migrations, partitions) before the first write; retried after a failure. */
  prepare?: () => Promise<void>
  /** Rows per statement (Postgres allows 65535 parameters: 31 columns x 500 rows fits). */
  chunkRows?: number
}

/**
 * Writes audit rows to the `calls` table with multi-row INSERTs, on Postgres or PGlite alike.
 * Idempotent on (request_id, started_at): writing a batch twice leaves one row per call.
 */
export class SqlAuditSink implements AuditSink {
  private ready = false
  private readonly chunkRows: number
  private readonly sqlCache = new Map<number, string>()

  constructor(
    private readonly db: Database,
    private readonly opts: SqlAuditSinkOptions = {},
  ) {
    this.chunkRows = Math.min(opts.chunkRows ?? 500, Math.floor(65_535 / CALL_COLUMNS.length))
  }

  private sql(n: number): string {
    let s = this.sqlCache.get(n)
    if (!s) {
      s = insertSql(n)
      if (this.sqlCache.size < 64) this.sqlCache.set(n, s)
    }
    return s
  }

  async write(rows: readonly CallRecord[]): Promise<void> {
    if (rows.length === 0) return
    if (!this.ready && this.opts.prepare) {
      await this.opts.prepare()
      this.ready = true
    }
    const bodies = this.opts.bodies?.() ?? 'none'
    for (let i = 0; i < rows.length; i += this.chunkRows) {
      const chunk = rows.slice(i, i + this.chunkRows)
      await this.db.query(this.sql(chunk.length), chunk.flatMap((r) => toParams(r, bodies)))
    }
  }

  /** The database belongs to whoever opened it. */
  async close(): Promise<void> {}
}
