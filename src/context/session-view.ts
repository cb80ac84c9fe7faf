import type { CallRecord } from '../call/record.js'

/** One call of a session as GET /admin/sessions/:id shows it. */
export interface SessionCall {
  request_id: string
  started_at: string
  team: string | null
  key_id: string | null
  user: string | null
  rule: string | null
  requested_model: string | null
  provider: string | null
  model: string | null
  outcome: string | null
  status: number | null
  prompt_tokens: number | null
  completion_tokens: number | null
  cost_usd: number | null
}

export function sessionCallFromRecord(r: CallRecord): SessionCall {
  return {
    request_id: r.requestId, started_at: r.startedAt.toISOString(), team: r.teamId, key_id: r.keyId, user: r.userId, rule: r.rule,
    requested_model: r.requestedModel, provider: r.provider, model: r.model, outcome: r.outcome, status: r.status,
    prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, cost_usd: r.costUsd,
  }
}
