import type { Queryable } from '../../ports/database.js'

interface CallsFilter {
  session?: string
  team?: string
  key?: string
  since?: Date
  limit: number
  withBodies?: boolean
}

const LEAN = `request_id, started_at, endpoint, trace_id, team_id, key_id, user_id, session_id, tags, requested_model, rule,
  policy_version, reason, provider, model, attempts, stream, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,
  usage_estimated, cost_usd::float8 AS cost_usd, ttft_ms, latency_ms, status, outcome, error_type, error_message, run_id, step_id,
  cache_hit, saved_usd::float8 AS saved_usd, omitted`

/** Audit rows matching the filter, oldest first (the order the calls happened). */
export async function listCalls(db: Queryable, f: CallsFilter): Promise<Array<Record<string, unknown>>> {
  const params: unknown[] = []
  const where: string[] = []
  const add = (sql: string, v: unknown) => {
    params.push(v)
    where.push(sql.replace('?', `$${params.length}`))
  }
  if (f.session !== undefined) add('session_id = ?', f.session)
  if (f.team !== undefined) add('team_id = ?', f.team)
  if (f.key !== undefined) add('key_id = ?', f.key)
  if (f.since !== undefined) add('started_at >= ?::timestamptz', f.since.toISOString())
  params.push(f.limit)
  const cols = f.withBodies ? `${LEAN}, request_body, response_body` : LEAN
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT ${cols} FROM calls ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at, request_id LIMIT $${params.length}`,
    params,
  )
  return rows
}
