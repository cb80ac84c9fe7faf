import t from 'tap'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { chat, chunk, completion, sseHead, streamedText, until } from '../helpers/chaos.js'
import { sendJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'

// Chaos: retries and what may (not) be retried. One fake upstream; the model name picks the failure.
const scenarios = ['flaky', 'reset-first', 'bad', 'ra', 'ra-ms', 'ra-long', 'always503', 'reset-mid', 'drop-mid', 'flaky-stream'] as const
const seen = new Map<string, number>()

let upstream: FakeUpstream
let gw: TestGateway
const audit = new MemoryAuditRecorder()

t.before(async () => {
  upstream = await startFakeUpstream(async (req, res, raw) => {
    const model = String(req.body?.model)
    const n = (seen.get(model) ?? 0) + 1
    seen.set(model, n)
    const overloaded = () => sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error', param: null, code: null } })
    const limited = (headers: Record<string, string>) => sendJson(res, 429, { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, headers)
    switch (model) {
      case 'flaky':
        return n <= 2 ? overloaded() : sendJson(res, 200, completion('third time lucky'))
      case 'reset-first':
        if (n === 1) return void raw.socket.destroy()
        return sendJson(res, 200, completion('after a reset'))
      case 'bad':
        return sendJson(res, 400, { error: { message: 'bad temperature', type: 'invalid_request_error', param: 'temperature', code: null } })
      case 'ra':
        return n === 1 ? limited({ 'retry-after': '1' }) : sendJson(res, 200, completion('waited'))
      case 'ra-ms':
        return n === 1 ? limited({ 'retry-after-ms': '300' }) : sendJson(res, 200, completion('waited ms'))
      case 'ra-long':
        return limited({ 'retry-after': '60' })
      case 'always503':
        return overloaded()
      case 'reset-mid':
        sseHead(res)
        res.write(chunk('Hel'))
        await new Promise((r) => setTimeout(r, 50))
        return void raw.socket.destroy()
      case 'drop-mid':
        sseHead(res)
        res.write(chunk('Hel'))
        await new Promise((r) => setTimeout(r, 50))
        return void res.end() // no [DONE]: the answer is incomplete
      case 'flaky-stream':
        if (n === 1) return overloaded()
        sseHead(res)
        res.write(chunk('Hello'))
        res.write(chunk(' there', 'stop'))
        return void res.end('data: [DONE]\n\n')
    }
  }, '/v1')
  gw = await startGateway(
    {
      providers: { up: { type: 'openai', base_url: upstream.url } },
      models: Object.fromEntries(scenarios.map((s) => [s, { targets: [{ provider: 'up', model: s }] }])),
      auth: { anonymous_team: 'demo' },
      teams: { demo: {} },
      resilience: { max_attempts: 3, backoff_base_ms: 10, backoff_max_ms: 40, retry_after_cap_ms: 5000, breaker: { failures: 100 } },
    },
    {},
    { audit },
  )
})
t.teardown(async () => {
  await gw?.close()
  await upstream?.close()
})

const rowFor = async (requestId: string | null) => {
  await until(() => audit.rows.some((r) => r.requestId === requestId))
  return audit.rows.find((r) => r.requestId === requestId)!
}

t.test('acceptance 1: 503 twice then 200 gives the client 200 with x-switchyard-attempts: 3', async (t) => {
  const res = await chat(gw.baseURL, { model: 'flaky' })
  t.equal(res.status, 200)
  t.equal(res.json.choices[0].message.content, 'third time lucky')
  t.equal(res.headers.get('x-switchyard-attempts'), '3')
  t.equal(seen.get('flaky'), 3)
  const row = await rowFor(res.headers.get('x-request-id'))
  t.same(row.attempts.map((a) => a.status), [503, 503, 200], 'the audit row lists every attempt')
  t.equal(row.outcome, 'ok')
  const metrics = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(metrics, /switchyard_retries_total\{provider="up",model="flaky"\} 2/)
})

t.test('a connection reset before any answer is retried', async (t) => {
  const res = await chat(gw.baseURL, { model: 'reset-first' })
  t.equal(res.status, 200)
  t.equal(res.headers.get('x-switchyard-attempts'), '2')
})

t.test('a 400 is not retried and reaches the client as it was', async (t) => {
  const res = await chat(gw.baseURL, { model: 'bad' })
  t.equal(res.status, 400)
  t.equal(res.json.error.type, 'invalid_request_error')
  t.equal(res.headers.get('x-switchyard-attempts'), '1')
  t.equal(seen.get('bad'), 1)
})

t.test('429 with retry-after (seconds) is retried after the wait', async (t) => {
  const res = await chat(gw.baseURL, { model: 'ra' })
  t.equal(res.status, 200)
  t.equal(res.headers.get('x-switchyard-attempts'), '2')
  t.ok(res.ms >= 950, `waited ${Math.round(res.ms)} ms for retry-after: 1`)
})

t.test('429 with retry-after-ms is honoured too', async (t) => {
  const res = await chat(gw.baseURL, { model: 'ra-ms' })
  t.equal(res.status, 200)
  t.ok(res.ms >= 280, `waited ${Math.round(res.ms)} ms for retry-after-ms: 300`)
})

t.test('a retry-after beyond the cap is not waited for: the 429 and its retry-after reach the client', async (t) => {
  const res = await chat(gw.baseURL, { model: 'ra-long' })
  t.equal(res.status, 429)
  t.equal(res.headers.get('retry-after'), '60')
  t.equal(res.headers.get('x-switchyard-attempts'), '1')
  t.equal(seen.get('ra-long'), 1)
  t.ok(res.ms < 2000)
})

t.test('retries stop at max_attempts; the client sees the last error and the count', async (t) => {
  const res = await chat(gw.baseURL, { model: 'always503' })
  t.equal(res.status, 503)
  t.equal(res.json.error.code, 'upstream_unavailable')
  t.equal(res.headers.get('x-switchyard-attempts'), '3')
  t.equal(seen.get('always503'), 3)
  const row = await rowFor(res.headers.get('x-request-id'))
  t.equal(row.outcome, 'upstream_error')
  t.equal(row.attempts.length, 3)
})

t.test('streams: a failure before the first byte is retried', async (t) => {
  const res = await chat(gw.baseURL, { model: 'flaky-stream', stream: true })
  t.equal(res.status, 200)
  t.equal(res.headers.get('x-switchyard-attempts'), '2')
  t.equal(streamedText(res.events), 'Hello there')
  t.equal(res.events.at(-1), '[DONE]')
})

t.test('acceptance 5: no retry after the first byte; a reset mid-stream ends with an error event', async (t) => {
  const res = await chat(gw.baseURL, { model: 'reset-mid', stream: true })
  t.equal(res.status, 200)
  t.equal(res.headers.get('x-switchyard-attempts'), '1')
  t.equal(seen.get('reset-mid'), 1, 'the upstream was asked once')
  t.equal(JSON.parse(res.events[0]!).choices[0].delta.content, 'Hel')
  const last = JSON.parse(res.events.at(-1)!)
  t.equal(last.error.code, 'upstream_unavailable', 'the stream ends with an OpenAI error event')
  t.notOk(res.events.includes('[DONE]'))
  const row = await rowFor(res.headers.get('x-request-id'))
  t.equal(row.outcome, 'upstream_error')
  t.equal(row.errorType, 'upstream_unavailable')
})

t.test('a stream dropped mid-way (no [DONE]) ends with an error event, not a silent end', async (t) => {
  const res = await chat(gw.baseURL, { model: 'drop-mid', stream: true })
  t.equal(seen.get('drop-mid'), 1)
  const last = JSON.parse(res.events.at(-1)!)
  t.equal(last.error.code, 'upstream_error')
  t.match(last.error.message, /ended before the answer was complete/)
  const row = await rowFor(res.headers.get('x-request-id'))
  t.equal(row.outcome, 'upstream_error')
})
