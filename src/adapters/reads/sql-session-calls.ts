import type { SessionCall } from '../../context/session-view.js'
import type { Queryable } from '../../ports/database.js'

interface Row {
  request_id: string
  started_at: Date | string
  team_id: string | null
  key_id: string | null
  user_id: string | null
  rule: string | null
  requested_model: string | null
  provider: string | null
  model: string | null
  outcome: string | null
  status: number | null
  prompt_tokens: number | null
  completion_tokens: number | null
  cost_usd: number | string | null
}

/** A session's calls from the audit table `calls` (index calls_session_time), oldest first. */
export function sqlSessionCalls(db: Queryable): (sessionId: string, limit: number) => Promise<SessionCall[]> {
  return async (sessionId, limit) => {
    const { rows } = await db.query<Row>(
      `SELECT request_id, started_at, team_id, key_id, user_id, rule, requested_model, provider, model, outcome, status,
              prompt_tokens, completion_tokens, cost_usd::float8 AS cost_usd
         FROM calls WHERE session_id = $1 ORDER BY started_at, request_id LIMIT $2`,
      [sessionId, limit],
    )
    return rows.map(
      (r): SessionCall => ({
        request_id: r.request_id, started_at: (r.started_at instanceof Date ? r.started_at : new Date(r.started_at)).toISOString(),
        team: r.team_id, key_id: r.key_id, user: r.user_id, rule: r.rule, requested_model: r.requested_model, provider: r.provider, model: r.model,
        outcome: r.outcome, status: r.status, prompt_tokens: r.prompt_tokens, completion_tokens: r.completion_tokens,
        cost_usd: r.cost_usd === null ? null : Number(r.cost_usd),
      }),
    )
  }
}
