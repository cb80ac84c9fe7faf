import t from 'tap'
import { randomBytes } from 'node:crypto'
import { startFakeUpstream, sendJson, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { completion, contextBackend } from '../helpers/context-env.js'
import { createScratchDatabase } from '../helpers/database.js'
import { openaiSchemaErrors } from '../helpers/openai-schemas.js'

const backend = contextBackend()
const ADMIN = `admin-${randomBytes(8).toString('hex')}`
let up: FakeUpstream
let gw: TestGateway
let scratch: { url: string; drop(): Promise<void> } | null = null

t.before(async () => {
  if (process.env.DATABASE_URL) scratch = await createScratchDatabase(process.env.DATABASE_URL)
  t.comment(`keys and teams against ${backend.label}, database ${scratch ? 'postgres' : 'pglite'}`)
  up = await startFakeUpstream(async (req, res) => sendJson(res, 200, completion(req.body.model, 'ok')), '/v1')
  gw = await startGateway(
    {
      providers: { up: { type: 'openai', base_url: up.url } },
      models: { fast: { targets: [{ provider: 'up', model: 'up-fast' }] }, smart: { targets: [{ provider: 'up', model: 'up-smart' }] } },
      teams: { research: { models: ['fast', 'smart'], labels: { tier: 'gold' }, context: { system_prompt: 'Config prompt.' } } },
    },
    {},
    { env: { ...backend.env, SWITCHYARD_ADMIN_TOKEN: ADMIN, DATABASE_URL: scratch?.url ?? '' }, redisPrefix: backend.redisPrefix },
  )
})
t.teardown(async () => {
  await gw?.close()
  await up?.close()
  await scratch?.drop()
})

const admin = (method: string, path: string, body?: unknown, token = ADMIN) =>
  fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) })
const chat = (key: string, model = 'fast', headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  })

t.test('the admin API needs the admin token', async (t) => {
  const res = await admin('GET', '/admin/keys', undefined, 'wrong')
  t.equal(res.status, 401)
  t.equal(openaiSchemaErrors('ErrorResponse', await res.json()), null)
})

t.test('POST /admin/keys: 201 with the key once; it works; the list never shows it', async (t) => {
  const res = await admin('POST', '/admin/keys', { team: 'research', name: 'ci', models: ['fast'], rpm: 60 })
  t.equal(res.status, 201)
  const created = (await res.json()) as { id: string; key: string; team: string; models: string[]; rpm: number }
  t.match(created.key, /^sk-sy-[A-Za-z0-9_-]{32}$/)
  t.match(created, { team: 'research', models: ['fast'], rpm: 60 })

  t.equal((await chat(created.key)).status, 200)
  const denied = await chat(created.key, 'smart')
  t.equal(denied.status, 403, 'the key allows only fast')
  t.equal(((await denied.json()) as { error: { code: string } }).error.code, 'model_not_allowed')

  const list = (await (await admin('GET', '/admin/keys')).json()) as { data: Array<Record<string, unknown>> }
  const row = list.data.find((k) => k.id === created.id)!
  t.ok(row)
  t.notOk(JSON.stringify(list).includes(created.key.slice(6)), 'no key material in the list')
  t.notOk('hash' in row)
  t.match(row.hint, /^sk-sy-…/)
})

t.test('unknown team, bad fields and unknown keys are refused in OpenAI shape', async (t) => {
  const r1 = await admin('POST', '/admin/keys', { team: 'nope', name: 'x' })
  t.equal(r1.status, 400)
  t.equal(((await r1.json()) as { error: { param: string } }).error.param, 'team')
  t.equal((await admin('POST', '/admin/keys', { team: 'research', name: 'x', rpm: -1 })).status, 400)
  t.equal((await admin('DELETE', '/admin/keys/key_missing')).status, 404)
  const bad = await chat('sk-sy-not-a-real-key')
  t.equal(bad.status, 401)
  const body = await bad.json()
  t.equal(openaiSchemaErrors('ErrorResponse', body), null)
  t.equal((body as { error: { code: string } }).error.code, 'invalid_api_key')
})

t.test('DELETE /admin/keys/:id revokes at once', async (t) => {
  const { id, key } = (await (await admin('POST', '/admin/keys', { team: 'research', name: 'temp' })).json()) as { id: string; key: string }
  t.equal((await chat(key)).status, 200)
  const del = await admin('DELETE', `/admin/keys/${id}`)
  t.equal(del.status, 200)
  t.match(await del.json(), { id, revoked: true })
  const after = await chat(key)
  t.equal(after.status, 401)
  t.match(((await after.json()) as { error: { message: string } }).error.message, /revoked/)
})

t.test('an expired key is refused', async (t) => {
  const { key } = (await (await admin('POST', '/admin/keys', { team: 'research', name: 'old', expires_at: '2020-01-01T00:00:00Z' })).json()) as { key: string }
  const res = await chat(key)
  t.equal(res.status, 401)
  t.match(((await res.json()) as { error: { message: string } }).error.message, /expired/)
})

t.test('teams: create through the API, patch a config team; the changes reach the upstream', async (t) => {
  const created = await admin('POST', '/admin/teams', { id: 'ops', models: ['fast'], context: { system_prompt: 'You help ops.', defaults: { temperature: 0 } } })
  t.equal(created.status, 201)
  t.match(await created.json(), { id: 'ops', source: 'api' })
  t.equal((await admin('POST', '/admin/teams', { id: 'ops' })).status, 400, 'exists already')
  const { key } = (await (await admin('POST', '/admin/keys', { team: 'ops', name: 'bot' })).json()) as { key: string }
  t.equal((await chat(key)).status, 200)
  t.same(up.received.at(-1)!.body.messages[0], { role: 'system', content: 'You help ops.' })
  t.equal(up.received.at(-1)!.body.temperature, 0)
  t.equal((await chat(key, 'smart')).status, 403, 'ops may not use smart')

  const { key: rkey } = (await (await admin('POST', '/admin/keys', { team: 'research', name: 'r' })).json()) as { key: string }
  await chat(rkey)
  t.same(up.received.at(-1)!.body.messages[0], { role: 'system', content: 'Config prompt.' })
  const patched = await admin('PATCH', '/admin/teams/research', { context: { system_prompt: 'Patched prompt.' } })
  t.equal(patched.status, 200)
  t.match(await patched.json(), { id: 'research', source: 'config+api', settings: { labels: { tier: 'gold' }, context: { system_prompt: 'Patched prompt.' } } })
  await chat(rkey)
  t.same(up.received.at(-1)!.body.messages[0], { role: 'system', content: 'Patched prompt.' }, 'the change applies to the next call')
  t.equal((await admin('PATCH', '/admin/teams/ghost', { rpm: 5 })).status, 404)
  t.equal((await admin('PATCH', '/admin/teams/research', { rpm: 'many' })).status, 400)

  const list = (await (await admin('GET', '/admin/teams')).json()) as { data: Array<{ id: string; source: string }> }
  t.same(list.data.map((x) => [x.id, x.source]), [['ops', 'api'], ['research', 'config+api']])
})

t.test('GET /admin/sessions/:id: calls in order with rule, model and cost, plus the stored turns', async (t) => {
  const { key, id: keyId } = (await (await admin('POST', '/admin/keys', { team: 'research', name: 'sess' })).json()) as { key: string; id: string }
  const sid = `s-${randomBytes(4).toString('hex')}`
  const h = { 'x-switchyard-session': sid, 'x-switchyard-session-mode': 'continue' }
  t.equal((await chat(key, 'fast', h)).status, 200)
  t.equal((await chat(key, 'smart', h)).status, 200)
  let view: any
  for (let i = 0; i < 40; i++) {
    view = await (await admin('GET', `/admin/sessions/${sid}`)).json()
    if (view.calls.length >= 2) break
    await new Promise((r) => setTimeout(r, 100)) // audit rows are written in batches
  }
  t.equal(view.calls.length, 2)
  t.same(view.calls.map((c: any) => [c.team, c.key_id, c.requested_model, c.model]), [['research', keyId, 'fast', 'up-fast'], ['research', keyId, 'smart', 'up-smart']])
  t.ok('rule' in view.calls[0] && 'cost_usd' in view.calls[0])
  t.equal(view.turns.research.length, 2, 'two stored turns')
})
