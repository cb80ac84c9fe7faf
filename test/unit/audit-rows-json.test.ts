import t from 'tap'
import { newCallRecord } from '../../src/call/record.js'
import { CALL_COLUMNS, ROWS_PER_TURN, rowsJson } from '../../src/adapters/audit/sql-sink.js'

t.test('the batch JSON has every column, in order, with the values of the record', async (t) => {
  const bare = newCallRecord('req_"a"\\', 'embeddings', new Date(Date.UTC(2026, 10, 24, 1, 2, 3, 4)))
  const full = newCallRecord('req_b', 'chat.completions', new Date(0))
  Object.assign(full, {
    traceId: 't', teamId: 'legal', keyId: 'k', userId: 'u\n', sessionId: 's', tags: ['a', 'b'], requestedModel: 'fast', rule: 'r', policyVersion: 'v',
    reason: 'why "so"', provider: 'p', model: 'm', stream: true, promptTokens: 10.4, completionTokens: 2, cachedTokens: 1, reasoningTokens: 0,
    usageEstimated: true, costUsd: 0.0000123, ttftMs: 3.6, latencyMs: 12.25, status: 200, outcome: 'ok', errorType: null, errorMessage: null,
    requestBody: { messages: [{ role: 'user', content: 'hi' }] }, responseBody: { content: 'yo' },
    runId: 'run_1', stepId: 'research', cacheHit: true, savedUsd: 0.5, omitted: ['web_search'],
  })
  full.attempts.push({ provider: 'p', model: 'm', status: 200, latency_ms: 10, error: null })
  const [a, b] = JSON.parse(await rowsJson([bare, full], 'full')) as Array<Record<string, unknown>>
  t.same(Object.keys(a!), Object.keys(CALL_COLUMNS))
  t.same(Object.keys(b!), Object.keys(CALL_COLUMNS))
  t.match(a, { request_id: 'req_"a"\\', started_at: '2026-11-24T01:02:03.004Z', endpoint: 'embeddings', tags: [], attempts: [], stream: false, prompt_tokens: null, cost_usd: null, status: null, outcome: 'upstream_error', request_body: null })
  t.same(b, {
    request_id: 'req_b', started_at: '1970-01-01T00:00:00.000Z', endpoint: 'chat.completions', trace_id: 't', team_id: 'legal', key_id: 'k', user_id: 'u\n', session_id: 's',
    tags: ['a', 'b'], requested_model: 'fast', rule: 'r', policy_version: 'v', reason: 'why "so"', provider: 'p', model: 'm',
    attempts: [{ provider: 'p', model: 'm', status: 200, latency_ms: 10, error: null }], stream: true, prompt_tokens: 10, completion_tokens: 2, cached_tokens: 1, reasoning_tokens: 0,
    usage_estimated: true, cost_usd: 0.0000123, ttft_ms: 4, latency_ms: 12.25, status: 200, outcome: 'ok', error_type: null, error_message: null,
    request_body: { messages: [{ role: 'user', content: 'hi' }] }, response_body: { content: 'yo' },
    run_id: 'run_1', step_id: 'research', cache_hit: true, saved_usd: 0.5, omitted: ['web_search'],
  })
  t.equal(JSON.parse(await rowsJson([full], 'none'))[0].request_body, null, 'bodies off: no body')
})

t.test('a large batch is encoded in turns: other work runs in between, and every row comes out once, in order', async (t) => {
  const rows = Array.from({ length: 3 * ROWS_PER_TURN + 1 }, (_, i) => newCallRecord(`req_${i}`, 'chat.completions', new Date(i)))
  let turns = 0
  let counting = true
  const count = () => {
    if (!counting) return
    turns++
    setImmediate(count)
  }
  setImmediate(count)
  const text = await rowsJson(rows, 'none')
  counting = false
  t.ok(turns >= 3, `the event loop turned ${turns} times while ${rows.length} rows were encoded`)
  t.same((JSON.parse(text) as Array<{ request_id: string }>).map((r) => r.request_id), rows.map((r) => r.requestId))
})
