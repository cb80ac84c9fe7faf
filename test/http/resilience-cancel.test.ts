import t from 'tap'
import type { ServerResponse } from 'node:http'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { chunk, sseHead, until } from '../helpers/chaos.js'
import { sendJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'

// Client cancellation: the upstream call is aborted at once and the call is audited client_cancelled.
let upstream: FakeUpstream
let gw: TestGateway
const audit = new MemoryAuditRecorder()
const open = new Set<ServerResponse>()
const upstreamClosed: string[] = []

t.before(async () => {
  upstream = await startFakeUpstream(async (req, res) => {
    const model = String(req.body?.model)
    open.add(res)
    res.on('close', () => upstreamClosed.push(model))
    if (model === 'hang') return // never answers
    if (model === 'limited') return sendJson(res, 429, { error: { message: 'wait', type: 'requests', param: null, code: null } }, { 'retry-after': '3' })
    sseHead(res)
    const timer = setInterval(() => res.write(chunk('tick ')), 50)
    res.on('close', () => clearInterval(timer))
  }, '/v1')
  gw = await startGateway(
    {
      providers: { up: { type: 'openai', base_url: upstream.url } },
      models: {
        hang: { targets: [{ provider: 'up', model: 'hang' }] },
        endless: { targets: [{ provider: 'up', model: 'endless' }] },
        limited: { targets: [{ provider: 'up', model: 'limited' }] },
      },
      auth: { anonymous_team: 'demo' },
      teams: { demo: {} },
    },
    {},
    { audit },
  )
})
t.teardown(async () => {
  for (const r of open) r.destroy()
  await gw?.close()
  await upstream?.close()
})

const post = (model: string, stream: boolean, signal: AbortSignal, requestId: string) =>
  fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
    signal,
  })

t.test('a client that gives up on a non-streamed call aborts the upstream call at once', async (t) => {
  const ac = new AbortController()
  const pending = post('hang', false, ac.signal, 'cancel-json').catch((e) => e)
  await until(() => upstream.received.some((r) => r.body?.model === 'hang'))
  const abortedAt = performance.now()
  ac.abort()
  await pending
  await until(() => upstreamClosed.includes('hang'), 2000)
  t.ok(performance.now() - abortedAt < 1000, 'the upstream connection closed within a second')
  await until(() => audit.rows.some((r) => r.requestId === 'cancel-json'))
  const row = audit.rows.find((r) => r.requestId === 'cancel-json')!
  t.equal(row.outcome, 'client_cancelled')
  t.equal(row.status, 499)
  t.same(row.attempts.map((a) => a.error), ['client_cancelled'])
  t.equal(upstream.received.filter((r) => r.body?.model === 'hang').length, 1, 'no retry for a cancelled call')
})

t.test('a client that leaves mid-stream: the upstream stream is closed and the row says client_cancelled', async (t) => {
  const ac = new AbortController()
  const res = await post('endless', true, ac.signal, 'cancel-stream')
  const reader = res.body!.getReader()
  await reader.read()
  const abortedAt = performance.now()
  ac.abort()
  await until(() => upstreamClosed.includes('endless'), 2000)
  t.ok(performance.now() - abortedAt < 1000, 'the upstream connection closed within a second')
  await until(() => audit.rows.some((r) => r.requestId === 'cancel-stream'))
  const row = audit.rows.find((r) => r.requestId === 'cancel-stream')!
  t.equal(row.outcome, 'client_cancelled')
  t.equal(row.stream, true)
  t.equal(gw.gateway.deps.inflight!.size, 0, 'nothing left in flight')
})

t.test('a client that leaves during a retry wait ends the call without another attempt', async (t) => {
  const ac = new AbortController()
  const pending = post('limited', false, ac.signal, 'cancel-wait').catch((e) => e)
  await until(() => upstream.received.some((r) => r.body?.model === 'limited'))
  await new Promise((r) => setTimeout(r, 100)) // the gateway is now waiting out retry-after: 3
  ac.abort()
  await pending
  await until(() => audit.rows.some((r) => r.requestId === 'cancel-wait'))
  const row = audit.rows.find((r) => r.requestId === 'cancel-wait')!
  t.equal(row.outcome, 'client_cancelled')
  t.equal(row.attempts.length, 1)
  await new Promise((r) => setTimeout(r, 3200))
  t.equal(upstream.received.filter((r) => r.body?.model === 'limited').length, 1, 'no attempt after the client left')
})
