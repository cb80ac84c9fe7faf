import t from 'tap'
import { chat, closedPort, completion, sleep } from '../helpers/chaos.js'
import { sendJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { createServer, type Server } from 'node:http'

// Chaos: a dead first target (connection refused), fallback, and its circuit breaker.
const ADMIN = 'admin-token-for-breaker-test'
const COOLDOWN = 1500
let deadPort: number
let backup: FakeUpstream
let gw: TestGateway
let revived: Server | undefined
let revivedRequests = 0

t.before(async () => {
  deadPort = await closedPort()
  backup = await startFakeUpstream((_req, res) => sendJson(res, 200, completion('from backup')), '/v1')
  gw = await startGateway(
    {
      providers: {
        primary: { type: 'openai', base_url: `http://127.0.0.1:${deadPort}/v1` },
        backup: { type: 'openai', base_url: backup.url },
      },
      models: { smart: { targets: [{ provider: 'primary', model: 'big' }, { provider: 'backup', model: 'small' }] } },
      auth: { anonymous_team: 'demo' },
      teams: { demo: {} },
      resilience: { max_attempts: 2, backoff_base_ms: 5, backoff_max_ms: 10, breaker: { failures: 3, cooldown_ms: COOLDOWN } },
    },
    {},
    { env: { SWITCHYARD_ADMIN_TOKEN: ADMIN } },
  )
})
t.teardown(async () => {
  await gw?.close()
  await backup?.close()
  await new Promise<void>((r) => (revived ? revived.close(() => r()) : r()))
})

const targets = async () => {
  const res = await fetch(`${gw.url}/admin/targets`, { headers: { authorization: `Bearer ${ADMIN}` } })
  return (await res.json()) as { data: Array<{ provider: string; model: string; state: string; consecutive_failures: number; last_error: { message: string } | null; latency_ms: number | null }> }
}
const primaryState = async () => (await targets()).data.find((d) => d.provider === 'primary')!

t.test('acceptance 2: the first target refuses connections, the second serves; the breaker opens', async (t) => {
  const first = await chat(gw.baseURL, { model: 'smart' })
  t.equal(first.status, 200)
  t.equal(first.headers.get('x-switchyard-provider'), 'backup')
  t.equal(first.headers.get('x-switchyard-attempts'), '3', 'two tries on the refused target, then the fallback')
  t.equal((await primaryState()).state, 'closed', 'two failures: not yet')

  const second = await chat(gw.baseURL, { model: 'smart' })
  t.equal(second.status, 200)
  t.equal(second.headers.get('x-switchyard-attempts'), '2', 'the third failure opens the breaker: no further retry on it')
  const p = await primaryState()
  t.equal(p.state, 'open')
  t.equal(p.consecutive_failures, 3)
  t.match(p.last_error?.message, /ECONNREFUSED/)

  const metrics = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(metrics, /switchyard_breaker_state\{provider="primary",model="big"\} 2/)
  t.match(metrics, /switchyard_breaker_transitions_total\{provider="primary",model="big",to="open"\} 1/)
  t.match(metrics, /switchyard_fallbacks_total\{provider="primary",model="big"\} 2/)
})

t.test('while open the dead target gets no requests; after the cooldown one probe closes the breaker', async (t) => {
  // bring the primary back on its port: any request it gets is counted
  revived = createServer((req, res) => {
    revivedRequests++
    req.resume()
    req.on('end', () => sendJson(res, 200, completion('primary is back')))
  })
  await new Promise<void>((r) => revived!.listen(deadPort, '127.0.0.1', r))

  for (let i = 0; i < 3; i++) {
    const res = await chat(gw.baseURL, { model: 'smart' })
    t.equal(res.headers.get('x-switchyard-provider'), 'backup', 'open breaker: straight to the backup')
    t.equal(res.headers.get('x-switchyard-attempts'), '1', 'the open target is skipped, not tried')
  }
  t.equal(revivedRequests, 0, 'the primary received nothing while its breaker was open')

  await sleep(COOLDOWN + 100)
  const probe = await chat(gw.baseURL, { model: 'smart' })
  t.equal(probe.status, 200)
  t.equal(probe.headers.get('x-switchyard-provider'), 'primary', 'the probe after the cooldown reached the primary')
  t.equal(revivedRequests, 1, 'exactly one probe')
  const p = await primaryState()
  t.equal(p.state, 'closed', 'the successful probe closed the breaker')
  t.ok(typeof p.latency_ms === 'number', 'moving latency is reported')

  const after = await chat(gw.baseURL, { model: 'smart' })
  t.equal(after.headers.get('x-switchyard-provider'), 'primary')
  t.equal(revivedRequests, 2)
})

t.test('GET /admin/targets needs the admin token and lists every configured target', async (t) => {
  const denied = await fetch(`${gw.url}/admin/targets`)
  t.equal(denied.status, 401)
  const list = await targets()
  t.same(list.data.map((d) => `${d.provider}/${d.model}:${d.state}`), ['primary/big:closed', 'backup/small:closed'])
})
