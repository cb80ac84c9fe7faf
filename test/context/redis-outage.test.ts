import t from 'tap'
import { randomBytes } from 'node:crypto'
import { startFakeUpstream, sendJson, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { completion, databaseEnv } from '../helpers/context-env.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import { hashKey } from '../../src/identity/authenticator.js'

// The gateway talks to the real Redis through a TCP relay that the test cuts: the shared Redis keeps running.
const redisUrl = process.env.REDIS_URL
if (!redisUrl) {
  t.comment('redis outage: skipped (REDIS_URL unset)')
  t.pass('skipped')
} else {
  const ADMIN = `admin-${randomBytes(8).toString('hex')}`
  const CONFIG_KEY = 'sk-sy-config-key-outage-test'
  let up: FakeUpstream
  let proxy: TcpProxy
  let gw: TestGateway

  t.before(async () => {
    const target = new URL(redisUrl)
    proxy = await startTcpProxy(target.hostname, Number(target.port || 6379))
    const viaProxy = new URL(redisUrl)
    viaProxy.hostname = '127.0.0.1'
    viaProxy.port = String(proxy.port)
    up = await startFakeUpstream(async (req, res) => sendJson(res, 200, completion(req.body.model, 'ok')), '/v1')
    gw = await startGateway(
      {
        providers: { up: { type: 'openai', base_url: up.url } },
        models: { fast: { targets: [{ provider: 'up', model: 'up-fast' }] } },
        teams: { research: { keys: [{ name: 'cfg', sha256: hashKey(CONFIG_KEY) }], context: { system_prompt: 'Research prompt.' } } },
      },
      {},
      { env: { REDIS_URL: viaProxy.toString(), SWITCHYARD_ADMIN_TOKEN: ADMIN, ...(await databaseEnv(t)) }, redisPrefix: `sytest:${randomBytes(6).toString('hex')}:` },
    )
    t.comment(`redis outage against redis via 127.0.0.1:${proxy.port}`)
  })
  t.teardown(async () => {
    await gw?.close()
    await up?.close()
    await proxy?.close()
  })

  const chat = (key: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    })
  const readyz = async () => {
    const res = await fetch(`${gw.url}/readyz`)
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean; degraded?: boolean; detail?: string }> } }
  }

  t.test('Redis down: seen keys and team context keep working, sessions go on without history, /readyz says degraded', async (t) => {
    const { key } = (await (await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ team: 'research', name: 'seen' }) })).json()) as { key: string }
    const session = { 'x-switchyard-session': 'outage-1', 'x-switchyard-session-mode': 'continue' }
    t.equal((await chat(key, session)).status, 200, 'key seen while Redis is up')
    t.equal((await readyz()).body.status, 'ready')

    proxy.cut()
    await new Promise((r) => setTimeout(r, 200))
    const ready = await readyz()
    t.equal(ready.status, 200, 'still ready: the gateway serves')
    t.equal(ready.body.status, 'degraded')
    t.equal(ready.body.checks.context_store?.degraded, true)
    t.match(ready.body.checks.context_store?.detail, /unreachable/)

    for (let i = 0; i < 3; i++) t.equal((await chat(key)).status, 200, `seen API key, call ${i + 1}`)
    t.equal((await chat(CONFIG_KEY)).status, 200, 'config key')
    t.same(up.received.at(-1)!.body.messages[0], { role: 'system', content: 'Research prompt.' }, 'team context still attached')

    const s = await chat(key, session)
    t.equal(s.status, 200, 'a continued session is served')
    t.equal(s.headers.get('x-switchyard-session-history'), 'unavailable', '... without history, and says so')
    t.same(up.received.at(-1)!.body.messages.map((m: { role: string }) => m.role), ['system', 'user'])

    const metrics = await (await fetch(`${gw.url}/metrics`)).text()
    t.match(metrics, /switchyard_context_store_errors_total\{op="session_read"\} [1-9]/)
    t.match(metrics, /switchyard_storage_errors_total\{backend="redis"\} [1-9]/)

    // past the in-process cache's life the key is read from the database, still without Redis
    await new Promise((r) => setTimeout(r, 5500))
    t.equal((await chat(key)).status, 200, 'seen key after the local cache expired (database answers)')

    proxy.restore()
    let back = ''
    for (let i = 0; i < 50 && back !== 'ready'; i++) {
      await new Promise((r) => setTimeout(r, 100))
      back = (await readyz()).body.status
    }
    t.equal(back, 'ready', 'ready again once Redis is back')
    const again = await chat(key, session)
    t.equal(again.headers.get('x-switchyard-session-history'), '1', 'the turn stored before the outage is back')
  })
}
