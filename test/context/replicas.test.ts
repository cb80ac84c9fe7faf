import t from 'tap'
import { randomBytes } from 'node:crypto'
import { startFakeUpstream, sendJson, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { completion } from '../helpers/context-env.js'
import { createScratchDatabase } from '../helpers/database.js'

// Two gateway replicas on one Redis and one Postgres: this needs both real services.
const redisUrl = process.env.REDIS_URL
const databaseUrl = process.env.DATABASE_URL
if (!redisUrl || !databaseUrl) {
  t.comment('replicas: skipped (needs REDIS_URL and DATABASE_URL; two replicas cannot share the in-process store or PGlite)')
  t.pass('skipped')
} else {
  const ADMIN = `admin-${randomBytes(8).toString('hex')}`
  const prefix = `sytest:${randomBytes(6).toString('hex')}:`
  let up: FakeUpstream
  let a: TestGateway
  let b: TestGateway
  let scratch: { url: string; drop(): Promise<void> }

  t.before(async () => {
    scratch = await createScratchDatabase(databaseUrl)
    t.comment(`replicas on redis (${prefix}) and postgres (${new URL(scratch.url).pathname.slice(1)})`)
    up = await startFakeUpstream(async (req, res) => sendJson(res, 200, completion(req.body.model, 'ok')), '/v1')
    const config = {
      providers: { up: { type: 'openai', base_url: up.url } },
      models: { fast: { targets: [{ provider: 'up', model: 'up-fast' }] } },
      teams: { research: { models: ['fast'] } },
    }
    const opts = { env: { REDIS_URL: redisUrl, DATABASE_URL: scratch.url, SWITCHYARD_ADMIN_TOKEN: ADMIN }, redisPrefix: prefix }
    a = await startGateway(config, {}, opts)
    b = await startGateway(config, {}, opts)
  })
  t.teardown(async () => {
    await a?.close()
    await b?.close()
    await up?.close()
    await scratch?.drop()
  })

  const chat = (gw: TestGateway, key: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
    })
  const admin = (gw: TestGateway, method: string, path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) })

  t.test('a key created on A works on B; revoked on A, B refuses it within one second', async (t) => {
    const res = await admin(a, 'POST', '/admin/keys', { team: 'research', name: 'shared' })
    t.equal(res.status, 201)
    const { id, key } = (await res.json()) as { id: string; key: string }
    t.equal((await chat(b, key)).status, 200, 'B accepts the key created on A')
    t.equal((await chat(b, key)).status, 200, 'and now holds it in its in-process cache')

    t.equal((await admin(a, 'DELETE', `/admin/keys/${id}`)).status, 200)
    const revokedAt = performance.now()
    let status = 200
    while (status === 200 && performance.now() - revokedAt < 5000) {
      status = (await chat(b, key)).status
      if (status === 200) await new Promise((r) => setTimeout(r, 20))
    }
    const ms = Math.round(performance.now() - revokedAt)
    t.comment(`B refused the revoked key ${ms} ms after the revocation on A`)
    t.equal(status, 401)
    t.ok(ms < 1000, `refused within one second (${ms} ms)`)
  })

  t.test('a team change on B reaches A at once', async (t) => {
    const { key } = (await (await admin(a, 'POST', '/admin/keys', { team: 'research', name: 'prompt' })).json()) as { key: string }
    await chat(a, key)
    t.equal(up.received.at(-1)!.body.messages.length, 1, 'no team prompt yet')
    t.equal((await admin(b, 'PATCH', '/admin/teams/research', { context: { system_prompt: 'Now with a prompt.' } })).status, 200)
    let first: unknown = null
    for (let i = 0; i < 50; i++) {
      await chat(a, key)
      first = up.received.at(-1)!.body.messages[0]
      if ((first as { role: string }).role === 'system') break
      await new Promise((r) => setTimeout(r, 20))
    }
    t.same(first, { role: 'system', content: 'Now with a prompt.' })
  })
}
