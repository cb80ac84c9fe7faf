import { newCallRecord, outcomes, type CallRecord } from '../../src/call/record.js'

/** A fully populated record; `i` varies ids, team, outcome and time so queries have something to group. */
export function sampleRecord(i: number, over: Partial<CallRecord> = {}): CallRecord {
  const r = newCallRecord(`req_${String(i).padStart(6, '0')}_${Math.random().toString(36).slice(2, 8)}`, 'chat.completions', new Date(Date.UTC(2026, 10, 23, 12, 0, 0, i)))
  Object.assign(r, {
    traceId: `trace${i}`,
    teamId: i % 2 === 0 ? 'research' : 'legal',
    keyId: `key${i % 3}`,
    userId: 'alice',
    sessionId: i % 5 === 0 ? 'sess-1' : null,
    tags: ['batch', `n${i % 4}`],
    requestedModel: 'fast',
    rule: 'default',
    policyVersion: 'abc123',
    reason: 'route requested',
    provider: 'openai',
    model: 'gpt-4o-mini',
    attempts: [{ provider: 'openai', model: 'gpt-4o-mini', status: 200, latency_ms: 12.5, error: null }],
    stream: i % 2 === 1,
    promptTokens: 100 + i,
    completionTokens: 20,
    cachedTokens: 10,
    reasoningTokens: 0,
    usageEstimated: false,
    costUsd: 0.0000345,
    ttftMs: 15,
    latencyMs: 30.25,
    status: 200,
    outcome: outcomes[i % outcomes.length],
    errorType: null,
    errorMessage: null,
  } satisfies Partial<CallRecord>)
  return Object.assign(r, over)
}
