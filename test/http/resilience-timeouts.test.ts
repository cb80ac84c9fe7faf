import t from 'tap'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { chat, chunk, completion, sseHead, streamedText, until } from '../helpers/chaos.js'
import { sendJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'

// Chaos: real hung sockets against the connect / first-byte / idle / total timeouts.
let upstream: FakeUpstream
let gw: TestGateway
const audit = new MemoryAuditRecorder()
const hung = new Set<import('node:http').ServerResponse>()

t.before(async () => {
  upstream = await startFakeUpstream(async (req, res) => {
    const model = String(req.body?.model)
    if (model === 'ok') return sendJson(res, 200, completion('from the fallback'))
    if (model === 'hang') return void hung.add(res) // never answers
    if (model === 'headers-then-nothing') {
      sseHead(res)
      res.flushHeaders()
      return void hung.add(res)
    }
    if (model === 'stall-mid') {
      sseHead(res)
      res.write(chunk('one '))
      res.write(chunk('two '))
      return void hung.add(res) // then silence
    }
    if (model === 'slow-ok') {
      // chunks 300 ms apart: under a 1 s idle timeout, over nothing
      sseHead(res)
      for (const w of ['a', 'b', 'c', 'd']) {
        res.write(chunk(w))
        await new Promise((r) => setTimeout(r, 300))
      }
      return void res.end('data: [DONE]\n\n')
    }
  }, '/v1')
  const base = { type: 'openai', base_url: upstream.url }
  gw = await startGateway(
    {
      providers: {
        // first byte within 2 s for this provider; idle gaps up to 1 s
        hung: { ...base, timeouts: { first_byte_ms: 2000, idle_ms: 1000 } },
        other: base,
      },
      models: {
        hang: { targets: [{ provider: 'hung', model: 'hang' }] },
        'hang-then-ok': { targets: [{ provider: 'hung', model: 'hang' }, { provider: 'other', model: 'ok' }] },
        // the logical model overrides the provider's first-byte timeout
        'hang-fast': { targets: [{ provider: 'hung', model: 'hang' }], timeouts: { first_byte_ms: 500 } },
        'headers-then-nothing': { targets: [{ provider: 'hung', model: 'headers-then-nothing' }], timeouts: { first_byte_ms: 700, idle_ms: 10_000 } },
        'stall-mid': { targets: [{ provider: 'hung', model: 'stall-mid' }] },
        'slow-ok': { targets: [{ provider: 'hung', model: 'slow-ok' }] },
        'total-cut': { targets: [{ provider: 'hung', model: 'slow-ok' }], timeouts: { total_ms: 500 } },
      },
      auth: { anonymous_team: 'demo' },
      teams: { demo: {} },
      resilience: { backoff_base_ms: 10, breaker: { failures: 100 } },
    },
    {},
    { audit },
  )
})
t.teardown(async () => {
  for (const res of hung) res.destroy()
  await gw?.close()
  await upstream?.close()
})

const rowFor = async (requestId: string | null) => {
  await until(() => audit.rows.some((r) => r.requestId === requestId))
  return audit.rows.find((r) => r.requestId === requestId)!
}

t.test('acceptance 3: a hung upstream with a 2 s first-byte timeout answers 504 after about 2 s', async (t) => {
  const before = upstream.received.length
  const res = await chat(gw.baseURL, { model: 'hang' })
  t.equal(res.status, 504)
  t.equal(res.json.error.code, 'upstream_timeout')
  t.ok(res.ms >= 1900 && res.ms < 4000, `answered after ${Math.round(res.ms)} ms`)
  t.equal(upstream.received.length - before, 1, 'a hung target is not asked again for the same call')
  t.equal(res.headers.get('x-switchyard-attempts'), '1')
  const row = await rowFor(res.headers.get('x-request-id'))
  t.equal(row.outcome, 'timeout')
})

t.test('a hung first target falls back to the next one', async (t) => {
  const res = await chat(gw.baseURL, { model: 'hang-then-ok' })
  t.equal(res.status, 200)
  t.equal(res.json.choices[0].message.content, 'from the fallback')
  t.equal(res.headers.get('x-switchyard-provider'), 'other')
  t.equal(res.headers.get('x-switchyard-attempts'), '2')
  t.ok(res.ms >= 1900 && res.ms < 4000, `answered after ${Math.round(res.ms)} ms`)
  const metrics = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(metrics, /switchyard_fallbacks_total\{provider="hung",model="hang"\} 1/)
})

t.test('timeouts per logical model override the provider', async (t) => {
  const res = await chat(gw.baseURL, { model: 'hang-fast' })
  t.equal(res.status, 504)
  t.ok(res.ms >= 450 && res.ms < 1800, `answered after ${Math.round(res.ms)} ms (model first_byte_ms 500 < provider 2000)`)
})

t.test('a stream whose headers arrive but whose data never does hits the first-byte timeout, not the idle one', async (t) => {
  const res = await chat(gw.baseURL, { model: 'headers-then-nothing', stream: true })
  t.equal(res.status, 504, 'nothing reached the client yet: a plain 504')
  t.equal(res.json.error.code, 'upstream_timeout')
  t.match(res.json.error.message, /first byte/)
  t.ok(res.ms >= 650 && res.ms < 3000, `answered after ${Math.round(res.ms)} ms`)
})

t.test('a stream that stalls mid-way hits the idle timeout: error event, audit outcome timeout', async (t) => {
  const res = await chat(gw.baseURL, { model: 'stall-mid', stream: true })
  t.equal(res.status, 200)
  t.equal(streamedText(res.events.slice(0, -1)), 'one two ')
  const last = JSON.parse(res.events.at(-1)!)
  t.equal(last.error.code, 'upstream_timeout')
  t.match(last.error.message, /idle/)
  t.ok(res.ms >= 900 && res.ms < 3000, `ended after ${Math.round(res.ms)} ms (idle_ms 1000)`)
  const row = await rowFor(res.headers.get('x-request-id'))
  t.equal(row.outcome, 'timeout')
  t.equal(row.errorType, 'upstream_timeout')
})

t.test('gaps under the idle timeout do not cut a slow stream', async (t) => {
  const res = await chat(gw.baseURL, { model: 'slow-ok', stream: true })
  t.equal(streamedText(res.events), 'abcd')
  t.equal(res.events.at(-1), '[DONE]')
})

t.test('the total timeout cuts a stream that is still going', async (t) => {
  const res = await chat(gw.baseURL, { model: 'total-cut', stream: true })
  const last = JSON.parse(res.events.at(-1)!)
  t.equal(last.error.code, 'upstream_timeout')
  t.match(last.error.message, /total timeout/)
  t.ok(res.ms >= 450 && res.ms < 1200, `cut after ${Math.round(res.ms)} ms (total_ms 500)`)
})
