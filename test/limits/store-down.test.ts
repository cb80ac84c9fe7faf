import { createServer } from 'node:net'
import t from 'tap'
import { startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway } from '../helpers/gateway.js'
import { chat, limitsConfig, sharedDatabase, usageUpstream } from './helpers.js'
import type { Database } from '../../src/ports/database.js'

// Redis unreachable: fail open by default (said by /readyz and a metric), fail closed on request.
t.comment('limit store: redis at a closed port (always runs; needs no Redis)')

let database: Database
t.before(async () => {
  database = await sharedDatabase(t)
})

async function closedPort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

t.test('on_store_error: open (default) lets calls through and says limits are off', async (t) => {
  const upstream = await startFakeUpstream(usageUpstream({ prompt: 1, completion: 1 }), '/v1')
  const gw = await startGateway(limitsConfig(upstream.url, { rpm: 1, budget_usd: { day: 0 } }), {}, { database, env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } })
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
  })
  const started = Date.now()
  for (let i = 0; i < 3; i++) {
    const res = await chat(gw.baseURL)
    t.equal(res.status, 200, `call ${i + 1} passes despite rpm 1 and a zero budget`)
    t.notOk(res.headers.has('x-ratelimit-limit-requests'), 'no limit headers when nothing was checked')
    await res.arrayBuffer()
  }
  t.ok(Date.now() - started < 3000, `the outage was noticed fast (${Date.now() - started} ms for 3 calls)`)
  const ready = await fetch(`${gw.url}/readyz`)
  const body: any = await ready.json()
  t.equal(ready.status, 200)
  t.equal(body.status, 'degraded')
  t.equal(body.checks.limits.degraded, true)
  t.match(body.checks.limits.detail, /NOT enforced/)
  const metrics = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(metrics, /^switchyard_limits_enforced 0$/m)
  const redisErrors = Number(/^switchyard_storage_errors_total\{backend="redis"\} (\d+)$/m.exec(metrics)?.[1])
  t.ok(redisErrors >= 3, `redis errors counted (${redisErrors}; the context store counts its own too)`)
})

t.test('on_store_error: closed refuses with 503 before any upstream call', async (t) => {
  const upstream = await startFakeUpstream(usageUpstream({ prompt: 1, completion: 1 }), '/v1')
  const gw = await startGateway(limitsConfig(upstream.url, { rpm: 100 }, { on_store_error: 'closed' }), {}, { database, env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } })
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
  })
  const res = await chat(gw.baseURL)
  const body: any = await res.json()
  t.equal(res.status, 503)
  t.equal(body.error.code, 'storage_unavailable')
  t.equal(res.headers.get('retry-after'), '1')
  t.equal(upstream.received.length, 0)
  const ready = await fetch(`${gw.url}/readyz`)
  t.equal(ready.status, 503, 'not ready while every call would be refused')
  t.match(((await ready.json()) as any).checks.limits.detail, /refused with 503/)
  const metrics = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(metrics, /^switchyard_limits_enforced 0$/m)
})

t.test('a team without limits never touches the store', async (t) => {
  const upstream = await startFakeUpstream(usageUpstream({ prompt: 1, completion: 1 }), '/v1')
  const gw = await startGateway(limitsConfig(upstream.url, {}, { on_store_error: 'closed' }), {}, { database, env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } })
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
  })
  const res = await chat(gw.baseURL)
  t.equal(res.status, 200)
  await res.arrayBuffer()
})
