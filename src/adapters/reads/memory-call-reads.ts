import type { CallRecord } from '../../call/record.js'
import { sessionCallFromRecord } from '../../context/session-view.js'
import type { CallReads, CallRow } from '../../ports/call-reads.js'
import type { UsageGroup, UsageRow } from '../audit/usage-report.js'

/** The columns listCalls returns, from a record (bodies only when asked). */
function callRow(r: CallRecord, withBodies: boolean): CallRow {
  const row: CallRow = {
    request_id: r.requestId, started_at: r.startedAt, endpoint: r.endpoint, trace_id: r.traceId, team_id: r.teamId, key_id: r.keyId,
    user_id: r.userId, session_id: r.sessionId, tags: r.tags, requested_model: r.requestedModel, rule: r.rule, policy_version: r.policyVersion,
    reason: r.reason, provider: r.provider, model: r.model, attempts: r.attempts, stream: r.stream, prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens, cached_tokens: r.cachedTokens, reasoning_tokens: r.reasoningTokens, usage_estimated: r.usageEstimated,
    cost_usd: r.costUsd, ttft_ms: r.ttftMs, latency_ms: r.latencyMs, status: r.status, outcome: r.outcome, error_type: r.errorType,
    error_message: r.errorMessage, run_id: r.runId, step_id: r.stepId, cache_hit: r.cacheHit, saved_usd: r.savedUsd, omitted: r.omitted,
  }
  if (withBodies) Object.assign(row, { request_body: r.requestBody, response_body: r.responseBody })
  return row
}

const groupOf: Record<UsageGroup, (r: CallRecord) => string | null> = {
  team: (r) => r.teamId,
  key: (r) => r.keyId,
  session: (r) => r.sessionId,
  // the served target as priced; a call that no target served is filed under the model it asked for
  model: (r) => (r.provider !== null && r.model !== null ? `${r.provider}/${r.model}` : r.requestedModel),
}

const byTime = (a: CallRecord, b: CallRecord) => a.startedAt.getTime() - b.startedAt.getTime() || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0)

/** The read side of the audit log over the in-memory recorder's rows (no durable audit wired). */
export function memoryCallReads(rows: () => readonly CallRecord[]): CallReads {
  return {
    async calls(q) {
      return rows()
        .filter((r) => (q.session === undefined || r.sessionId === q.session) && (q.team === undefined || r.teamId === q.team) && (q.key === undefined || r.keyId === q.key) && (q.since === undefined || r.startedAt >= q.since))
        .sort(byTime)
        .slice(0, q.limit)
        .map((r) => callRow(r, q.withBodies === true))
    },
    async usage(q) {
      const groups = new Map<string | null, UsageRow>()
      for (const r of rows()) {
        if (r.startedAt < q.since || (q.team !== undefined && r.teamId !== q.team)) continue
        const g = groupOf[q.by](r)
        let u = groups.get(g)
        if (!u) groups.set(g, (u = { group: g, calls: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, estimated_calls: 0, cost_usd: 0 }))
        u.calls++
        if (r.outcome !== 'ok') u.errors++
        u.prompt_tokens += r.promptTokens ?? 0
        u.completion_tokens += r.completionTokens ?? 0
        u.cached_tokens += r.cachedTokens ?? 0
        u.reasoning_tokens += r.reasoningTokens ?? 0
        if (r.usageEstimated) u.estimated_calls++
        u.cost_usd += r.costUsd ?? 0
      }
      const data = [...groups.values()].sort((a, b) => b.cost_usd - a.cost_usd || b.calls - a.calls || (a.group === null ? 1 : b.group === null ? -1 : a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
      const total = { calls: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, estimated_calls: 0, cost_usd: 0 }
      for (const r of data) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r[k]
      total.cost_usd = Math.round(total.cost_usd * 1e10) / 1e10
      return { object: 'usage', by: q.by, since: q.since.toISOString(), data, total }
    },
    async sessionCalls(sessionId, limit) {
      return rows().filter((r) => r.sessionId === sessionId).sort(byTime).slice(0, limit).map(sessionCallFromRecord)
    },
  }
}
