import t from 'tap'
import { newCallRecord, type CallRecord } from '../../../src/call/record.js'
import { Metrics } from '../../../src/observability/metrics.js'

function call(over: Partial<CallRecord>): CallRecord {
  const r = newCallRecord('req', 'chat.completions', new Date(0))
  Object.assign(r, { teamId: 'a', provider: 'p', model: 'm', status: 200, outcome: 'ok', latencyMs: 20, promptTokens: 10, completionTokens: 5, costUsd: 0.5 }, over)
  r.attempts.push({ provider: r.provider ?? 'p', model: r.model ?? 'm', status: r.status, latency_ms: 10, error: r.status === 200 ? null : 'upstream_error: boom' })
  return r
}

const value = async (m: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const metric = m.registry.getSingleMetric(name)
  const data = await metric!.get()
  return data.values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x) && (!('metricName' in v) || !v.metricName || v.metricName === name || String(v.metricName).endsWith('_count')))?.value
}

t.test('calls of one shape share their series; calls of another shape get their own', async (t) => {
  const m = new Metrics({ defaultMetrics: false })
  for (let i = 0; i < 3; i++) m.observeCall(call({}))
  m.observeCall(call({ teamId: 'b' }))
  m.observeCall(call({ status: 502, outcome: 'upstream_error', promptTokens: null, completionTokens: null, costUsd: null }))
  t.equal(await value(m, 'switchyard_requests_total', { team: 'a', outcome: 'ok' }), 3)
  t.equal(await value(m, 'switchyard_requests_total', { team: 'b', outcome: 'ok' }), 1)
  t.equal(await value(m, 'switchyard_requests_total', { team: 'a', outcome: 'upstream_error', status_class: '5xx' }), 1)
  t.equal(await value(m, 'switchyard_tokens_total', { team: 'a', direction: 'input' }), 30)
  t.equal(await value(m, 'switchyard_tokens_total', { team: 'b', direction: 'output' }), 5)
  t.equal(await value(m, 'switchyard_cost_usd_total', { team: 'a' }), 1.5)
  t.equal(await value(m, 'switchyard_upstream_attempts_total', { status_class: '2xx' }), 4)
  t.equal(await value(m, 'switchyard_upstream_attempts_total', { status_class: '5xx' }), 1)
  t.equal(await value(m, 'gen_ai_client_operation_duration_seconds', { error_type: 'upstream_error' }), 1, 'the failed attempt is counted with its error type')
  t.notOk((await m.registry.metrics()).includes('direction="cached"'), 'no series for a value never reported')
})

t.test('after a reset the series start over and keep counting', async (t) => {
  const m = new Metrics({ defaultMetrics: false })
  m.observeCall(call({}))
  m.requests.reset()
  m.tokens.reset()
  m.observeCall(call({}))
  m.observeCall(call({}))
  t.equal(await value(m, 'switchyard_requests_total', { team: 'a', outcome: 'ok' }), 2)
  t.equal(await value(m, 'switchyard_tokens_total', { team: 'a', direction: 'input' }), 20)
})
