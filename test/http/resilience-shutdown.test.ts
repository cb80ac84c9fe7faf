import t from 'tap'
import { connect } from 'node:net'
import type { ServerResponse } from 'node:http'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { chat, chunk, sseHead, streamedText, until } from '../helpers/chaos.js'
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { openTestDatabase, type TestDatabase } from '../helpers/database.js'
import { migrate } from '../../src/adapters/db/migrate.js'

// Graceful shutdown in-process: in-flight streams finish, new connections are refused, the deadline cuts the rest.
const ADMIN = 'admin-token-for-shutdown-test'
let upstream: FakeUpstream
let db: TestDatabase // one database for the file's gateways (each test closes its own gateway)
const open = new Set<ServerResponse>()
/** When the upstream sent the end of its last 'words' stream (the gateway's stream cannot end before). */
let wordsEndedAt = 0

t.before(async () => {
  db = await openTestDatabase(t)
  await migrate(db.db)
  upstream = await startFakeUpstream(async (req, res) => {
    const model = String(req.body?.model)
    sseHead(res)
    open.add(res)
    if (model === 'words') {
      // ten words, 100 ms apart: about a second
      for (let i = 0; i < 10; i++) {
        if (res.destroyed) return
        res.write(chunk(`w${i} `))
        await new Promise((r) => setTimeout(r, 100))
      }
      wordsEndedAt = performance.now()
      return void res.end('data: [DONE]\n\n')
    }
    // 'endless': a word every 100 ms until the gateway hangs up
    const timer = setInterval(() => res.write(chunk('tick ')), 100)
    res.on('close', () => clearInterval(timer))
  }, '/v1')
})
t.teardown(async () => {
  for (const r of open) r.destroy()
  await upstream?.close()
  await db?.drop()
})

async function gateway(drainMs: number, audit: MemoryAuditRecorder, delayMs = 0): Promise<TestGateway> {
  return startGateway(
    {
      server: { drain_timeout_ms: drainMs, shutdown_delay_ms: delayMs },
      providers: { up: { type: 'openai', base_url: upstream.url } },
      models: { words: { targets: [{ provider: 'up', model: 'words' }] }, endless: { targets: [{ provider: 'up', model: 'endless' }] } },
      auth: { anonymous_team: 'demo' },
      teams: { demo: {} },
    },
    {},
    { audit, database: db.db, env: { SWITCHYARD_ADMIN_TOKEN: ADMIN } },
  )
}

const refused = (url: string) =>
  new Promise<boolean>((resolve) => {
    const u = new URL(url)
    const s = connect(Number(u.port), u.hostname)
    s.once('connect', () => {
      s.destroy()
      resolve(false)
    })
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
  })

t.test('close() lets an in-flight stream finish, refuses new connections and reports unready meanwhile', async (t) => {
  const audit = new MemoryAuditRecorder()
  const gw = await gateway(10_000, audit)
  const streaming = chat(gw.baseURL, { model: 'words', stream: true })
  await until(() => gw.gateway.deps.inflight!.size === 1 && gw.gateway.deps.inflight!.list()[0]!.attempts === 1)

  const inflight = (await (await fetch(`${gw.url}/admin/inflight`, { headers: { authorization: `Bearer ${ADMIN}`, connection: "close" } })).json()) as any
  t.equal(inflight.count, 1, 'GET /admin/inflight lists the stream')
  t.equal(inflight.data[0].stream, true)
  t.equal(inflight.data[0].provider, 'up')

  let closedAt = 0
  const closing = gw.close().then(() => (closedAt = performance.now()))
  await new Promise((r) => setTimeout(r, 50))
  t.equal((await gw.gateway.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503, 'readiness is false while draining')
  t.ok(await refused(gw.url), 'new connections are refused')

  const res = await streaming
  t.equal(res.status, 200)
  t.equal(streamedText(res.events), 'w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 ', 'the stream completed')
  t.equal(res.events.at(-1), '[DONE]')
  await closing
  // measured against the upstream's end, not the client's: a busy client may read the last bytes
  // after the gateway has finished with the call
  t.ok(closedAt >= wordsEndedAt, 'close() resolved only after the stream ended')
  t.equal(audit.rows.length, 1)
  t.equal(audit.rows[0]!.outcome, 'ok', 'the audit row was written before close() resolved')
})

t.test('server.shutdown_delay_ms: readiness goes off at once, calls are still served for the delay, then new connections are refused', async (t) => {
  const audit = new MemoryAuditRecorder()
  const gw = await gateway(10_000, audit, 400)
  let closedAt = 0
  const startedAt = performance.now()
  const closing = gw.close().then(() => (closedAt = performance.now()))
  await new Promise((r) => setTimeout(r, 20))
  const ready = await fetch(`${gw.url}/readyz`, { headers: { connection: 'close' } })
  t.equal(ready.status, 503, 'readiness is off as soon as the stop begins')
  t.same(await ready.json(), { status: 'draining' })
  const res = await chat(gw.baseURL, { model: 'words', stream: true })
  t.equal(res.status, 200, 'a call that arrives during the delay is served, not refused')
  t.equal(streamedText(res.events), 'w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 ', 'and completes')
  t.ok(await refused(gw.url), 'once the delay is over, new connections are refused')
  await closing
  t.ok(closedAt - startedAt >= 400, 'close() took at least the delay')
  t.equal(audit.rows.length, 1)
  t.equal(audit.rows[0]!.outcome, 'ok', 'the call served during the delay has its audit row')
})

t.test('a second signal (lifecycle.hurry) ends the shutdown delay at once', async (t) => {
  const gw = await gateway(10_000, new MemoryAuditRecorder(), 60_000)
  const startedAt = performance.now()
  const closing = gw.close()
  await new Promise((r) => setTimeout(r, 50))
  t.equal((await gw.gateway.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503, 'stopping')
  gw.gateway.deps.lifecycle.hurry!()
  await closing
  t.ok(performance.now() - startedAt < 10_000, 'closed without waiting out the 60 s delay')
})

t.test('at the drain deadline a stream still running gets an error event and an audit row', async (t) => {
  const audit = new MemoryAuditRecorder()
  const gw = await gateway(400, audit)
  const streaming = chat(gw.baseURL, { model: 'endless', stream: true })
  await until(() => gw.gateway.deps.inflight!.list()[0]?.attempts === 1)
  const started = performance.now()
  await gw.close()
  const ms = performance.now() - started
  const res = await streaming
  t.ok(ms >= 380 && ms < 3000, `close() took ${Math.round(ms)} ms with drain_timeout_ms 400`)
  t.match(streamedText(res.events.slice(0, -1)), /^(tick )+$/)
  const last = JSON.parse(res.events.at(-1)!)
  t.equal(last.error.code, 'shutting_down')
  t.equal(audit.rows.length, 1)
  t.equal(audit.rows[0]!.errorType, 'shutting_down')
  t.equal(audit.rows[0]!.outcome, 'upstream_error')
  t.equal(gw.gateway.deps.inflight!.size, 0)
})

t.test('calls that arrive while draining get 503 shutting_down', async (t) => {
  const audit = new MemoryAuditRecorder()
  const gw = await gateway(2_000, audit)
  const streaming = chat(gw.baseURL, { model: 'words', stream: true })
  await until(() => gw.gateway.deps.inflight!.list()[0]?.attempts === 1)
  const closing = gw.close()
  // the listening socket is closed: use inject, as a request on an already open connection would
  const res = await gw.gateway.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'words', messages: [{ role: 'user', content: 'hi' }] } })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'shutting_down')
  t.equal(res.headers.connection, 'close')
  await streaming
  await closing
  t.same(audit.rows.map((r) => r.outcome).sort(), ['ok', 'upstream_error'])
})
