import t from 'tap'
import { randomBytes } from 'node:crypto'
import { startFakeUpstream, sendJson, sendSse, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { completion, contextBackend, databaseEnv, streamFrames } from '../helpers/context-env.js'
import { hashKey } from '../../src/identity/authenticator.js'

const backend = contextBackend()
t.comment(`sessions against ${backend.label}`)

const KEY_R = 'sk-sy-research-session-test'
const KEY_O = 'sk-sy-other-team-session-test'
let a: FakeUpstream
let b: FakeUpstream
let gw: TestGateway

t.before(async () => {
  // two providers; each answers with its name so the stored reply says who served it
  a = await startFakeUpstream(async (req, res) => {
    if (req.body.stream) await sendSse(res, streamFrames(req.body.model, ['Nice to meet you, ', 'Ada (from A).']))
    else sendJson(res, 200, completion(req.body.model, 'Nice to meet you, Ada (from A).'))
  }, '/v1')
  b = await startFakeUpstream(async (req, res) => sendJson(res, 200, completion(req.body.model, 'Your name is Ada (from B).')), '/v1')
  gw = await startGateway(
    {
      providers: { a: { type: 'openai', base_url: a.url }, b: { type: 'openai', base_url: b.url } },
      models: { 'model-a': { targets: [{ provider: 'a', model: 'up-a' }] }, 'model-b': { targets: [{ provider: 'b', model: 'up-b' }] } },
      teams: {
        research: { keys: [{ name: 'r', sha256: hashKey(KEY_R) }], context: { system_prompt: 'You work for research.' } },
        other: { keys: [{ name: 'o', sha256: hashKey(KEY_O) }] },
      },
      sessions: { max_turns: 2, max_tokens: 10_000, ttl_s: 600 },
      policy: { rules: [{ name: 'code-to-b', when: { header: { 'x-task': 'code' } }, route: 'model-b' }, { name: 'default', route: 'requested' }] },
    },
    {},
    { env: { ...backend.env, ...(await databaseEnv(t)) }, redisPrefix: backend.redisPrefix },
  )
})
t.teardown(async () => {
  await gw?.close()
  await a?.close()
  await b?.close()
})

async function chat(key: string, model: string, content: string, headers: Record<string, string>, stream = false): Promise<Response> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content }] }),
  })
  await res.text()
  return res
}

const lastBody = (u: FakeUpstream) => u.received[u.received.length - 1]!.body

t.test('a continued session carries the first call (provider A, streamed) to the second (provider B)', async (t) => {
  const s = { 'x-switchyard-session': `s-${randomBytes(4).toString('hex')}`, 'x-switchyard-session-mode': 'continue' }
  const first = await chat(KEY_R, 'model-a', 'My name is Ada.', s, true)
  t.equal(first.status, 200)
  t.equal(first.headers.get('x-switchyard-provider'), 'a')
  t.same(lastBody(a).messages, [
    { role: 'system', content: 'You work for research.' },
    { role: 'user', content: 'My name is Ada.' },
  ], 'first call: team prompt and the user turn only')

  const second = await chat(KEY_R, 'model-b', 'What is my name?', s)
  t.equal(second.status, 200)
  t.equal(second.headers.get('x-switchyard-provider'), 'b')
  t.equal(second.headers.get('x-switchyard-session-history'), '1')
  t.same(lastBody(b).messages, [
    { role: 'system', content: 'You work for research.' },
    { role: 'user', content: 'My name is Ada.' },
    { role: 'assistant', content: 'Nice to meet you, Ada (from A).' },
    { role: 'user', content: 'What is my name?' },
  ], 'provider B received the turns served by A')
})

t.test('a policy rule moves the second call to provider B; B receives the turns A served', async (t) => {
  const s = { 'x-switchyard-session': `s-${randomBytes(4).toString('hex')}`, 'x-switchyard-session-mode': 'continue' }
  const first = await chat(KEY_R, 'model-a', 'My name is Ada.', s)
  t.equal(first.headers.get('x-switchyard-rule'), 'default')
  t.equal(first.headers.get('x-switchyard-provider'), 'a')
  const second = await chat(KEY_R, 'model-a', 'Write code using my name.', { ...s, 'x-task': 'code' })
  t.equal(second.headers.get('x-switchyard-rule'), 'code-to-b', 'the policy routed it')
  t.equal(second.headers.get('x-switchyard-provider'), 'b')
  t.same(lastBody(b).messages, [
    { role: 'system', content: 'You work for research.' },
    { role: 'user', content: 'My name is Ada.' },
    { role: 'assistant', content: 'Nice to meet you, Ada (from A).' },
    { role: 'user', content: 'Write code using my name.' },
  ])
})

t.test('max_turns bounds the history; without continue nothing is prepended or stored', async (t) => {
  const id = `s-${randomBytes(4).toString('hex')}`
  const s = { 'x-switchyard-session': id, 'x-switchyard-session-mode': 'continue' }
  for (const q of ['one', 'two', 'three']) await chat(KEY_R, 'model-b', q, s)
  await chat(KEY_R, 'model-b', 'four', s)
  const users = lastBody(b).messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: string }) => m.content)
  t.same(users, ['two', 'three', 'four'], 'two stored turns kept (max_turns: 2) plus the new one')

  await chat(KEY_R, 'model-b', 'plain', { 'x-switchyard-session': id })
  t.same(lastBody(b).messages.map((m: { content: string }) => m.content), ['You work for research.', 'plain'], 'no mode: no history')
  await chat(KEY_R, 'model-b', 'five', s)
  t.same(lastBody(b).messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: string }) => m.content), ['three', 'four', 'five'], '"plain" was not stored')
})

t.test("a team cannot read another team's session by its id", async (t) => {
  const s = { 'x-switchyard-session': `s-${randomBytes(4).toString('hex')}`, 'x-switchyard-session-mode': 'continue' }
  await chat(KEY_R, 'model-b', 'secret plan', s)
  await chat(KEY_O, 'model-b', 'what was said?', s)
  t.same(lastBody(b).messages, [{ role: 'user', content: 'what was said?' }])
})
