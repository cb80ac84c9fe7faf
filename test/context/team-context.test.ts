import t from 'tap'
import { startFakeUpstream, sendJson, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { completion, contextBackend, databaseEnv } from '../helpers/context-env.js'
import { hashKey } from '../../src/identity/authenticator.js'
import { applyTeamContext } from '../../src/context/team-context.js'

const backend = contextBackend()
t.comment(`team context against ${backend.label}`)

const KEY = 'sk-sy-team-context-test'
let up: FakeUpstream
let gw: TestGateway

t.before(async () => {
  up = await startFakeUpstream(async (req, res) => sendJson(res, 200, completion(req.body.model, 'ok')), '/v1')
  gw = await startGateway(
    {
      providers: { up: { type: 'openai', base_url: up.url } },
      models: { fast: { targets: [{ provider: 'up', model: 'up-fast' }] }, smart: { targets: [{ provider: 'up', model: 'up-smart' }] } },
      teams: {
        research: {
          models: ['fast'],
          keys: [{ name: 'r', sha256: hashKey(KEY) }],
          context: { system_prompt: 'You work for the research team.', defaults: { temperature: 0.2, max_tokens: 300 } },
        },
      },
    },
    {},
    { env: { ...backend.env, ...(await databaseEnv(t)) }, redisPrefix: backend.redisPrefix },
  )
})
t.teardown(async () => {
  await gw?.close()
  await up?.close()
})

const post = (body: object) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })

t.test('the team system prompt and defaults reach the upstream; client values win', async (t) => {
  const res = await post({ model: 'fast', temperature: 0.9, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] })
  t.equal(res.status, 200)
  const body = up.received.at(-1)!.body
  t.same(body.messages, [
    { role: 'system', content: 'You work for the research team.' },
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'hi' },
  ])
  t.equal(body.temperature, 0.9, 'the client set temperature: kept')
  t.equal(body.max_tokens, 300, 'the client set no max_tokens: the team default applies')
})

t.test('a model outside the team list is refused with 403 before any upstream call', async (t) => {
  const before = up.received.length
  const res = await post({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] })
  t.equal(res.status, 403)
  const body = (await res.json()) as { error: { code: string; type: string } }
  t.equal(body.error.code, 'model_not_allowed')
  t.equal(body.error.type, 'permission_error')
  t.equal(up.received.length, before)
})

t.test('applyTeamContext: null counts as unset; model, messages and stream are never defaulted', async (t) => {
  const out = applyTeamContext({ model: 'm', messages: [{ role: 'user', content: 'x' }], top_p: null }, { context: { defaults: { top_p: 0.5, model: 'other', stream: true } } })
  t.equal(out.top_p, 0.5)
  t.equal(out.model, 'm')
  t.equal(out.stream, undefined)
  t.same(out.messages, [{ role: 'user', content: 'x' }], 'no system prompt configured: messages untouched')
})
