import t from 'tap'
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startFakeUpstream, sendJson, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { openaiSchemaErrors } from '../helpers/openai-schemas.js'

const ADMIN = 'admin-token-for-policy-test'
const chunk = (model: string, content: string) => JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })
const SLOW_CHUNKS = 30

const policyV1 = `rules:
  - name: no-secrets
    when: { header: { x-project: secret } }
    deny: "secret projects must use the internal gateway"
  - name: auto-to-a
    when: { model: auto }
    route: a
`
const policyV2 = policyV1.replace('auto-to-a', 'auto-to-b').replace('route: a', 'route: b')
const invalidPolicy = `rules:
  - name: auto-to-c
    when: { model: auto }
    route: c-does-not-exist
`

let upstream: FakeUpstream
let gw: TestGateway

t.before(async () => {
  upstream = await startFakeUpstream(async (req, res) => {
    const model = String(req.body?.model)
    if (model === 'slow') {
      // a stream that takes ~3 s: long enough to reload the policy while it runs
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (let i = 0; i < SLOW_CHUNKS && !res.destroyed; i++) {
        res.write(`data: ${chunk(model, `t${i} `)}\n\n`)
        await sleep(100)
      }
      res.end('data: [DONE]\n\n')
      return
    }
    sendJson(res, 200, {
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: `from ${model}`, refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    })
  }, '/v1')
  gw = await startGateway(
    {
      providers: { up: { type: 'openai', base_url: upstream.url } },
      models: {
        a: { targets: [{ provider: 'up', model: 'model-a' }] },
        b: { targets: [{ provider: 'up', model: 'model-b' }] },
        auto: { targets: [{ provider: 'up', model: 'model-auto' }] },
        slow: { targets: [{ provider: 'up', model: 'slow' }] },
      },
      auth: { anonymous_team: 'demo' },
      teams: { demo: {} },
      policy: 'policy.yaml',
    },
    { 'policy.yaml': policyV1 },
    { env: { SWITCHYARD_ADMIN_TOKEN: ADMIN } },
  )
})
t.teardown(async () => {
  await gw?.close()
  await upstream?.close()
})

const chat = (model: string, headers: Record<string, string> = {}, stream = false) =>
  fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
  })
const admin = (path: string, method = 'GET') => fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}` } })
const routedModel = async () => {
  const res = await chat('auto')
  await res.arrayBuffer()
  return { model: res.headers.get('x-switchyard-model'), rule: res.headers.get('x-switchyard-rule') }
}

t.test('a valid change reroutes new calls within 2 s; the running stream completes', async (t) => {
  t.same(await routedModel(), { model: 'model-a', rule: 'auto-to-a' })
  const before = (await (await admin('/admin/policy')).json()) as { version: string; rules: number; last_error: unknown }
  t.match(before, { rules: 2, last_error: null })

  // start a slow stream, read its first bytes
  const streamRes = await chat('slow', {}, true)
  t.equal(streamRes.status, 200)
  const reader = streamRes.body!.getReader()
  const decoder = new TextDecoder()
  let streamed = decoder.decode((await reader.read()).value)
  let streamDone = false
  const drained = (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      streamed += decoder.decode(value)
    }
    streamDone = true
  })()

  const changedAt = Date.now()
  writeFileSync(join(gw.dir, 'policy.yaml'), policyV2) // in place
  let after = await routedModel()
  while (after.model !== 'model-b' && Date.now() - changedAt < 5000) {
    await sleep(50)
    after = await routedModel()
  }
  const took = Date.now() - changedAt
  t.same(after, { model: 'model-b', rule: 'auto-to-b' }, `rerouted after ${took} ms`)
  t.ok(took < 2000, `within two seconds (${took} ms)`)
  t.notOk(streamDone, 'the stream was still running when routing changed')

  await drained
  t.match(streamed, /t0 /)
  t.match(streamed, new RegExp(`t${SLOW_CHUNKS - 1} `), 'every chunk arrived')
  t.match(streamed, /data: \[DONE\]\n\n$/, 'the stream ended normally')

  const status = (await (await admin('/admin/policy')).json()) as { version: string; loaded_at: string; last_error: unknown; rule_names: string[] }
  t.not(status.version, before.version, 'new version (content hash)')
  t.same(status.rule_names, ['no-secrets', 'auto-to-b'])
  t.equal(status.last_error, null)
  t.ok(Date.parse(status.loaded_at) >= changedAt - 1000)
})

t.test('an invalid change is rejected: routing stays, the error is shown and counted', async (t) => {
  const before = (await (await admin('/admin/policy')).json()) as { version: string }
  const tmp = join(gw.dir, 'policy.yaml.tmp')
  writeFileSync(tmp, invalidPolicy)
  renameSync(tmp, join(gw.dir, 'policy.yaml')) // replaced the way editors and `git checkout` do
  let status = (await (await admin('/admin/policy')).json()) as { version: string; last_error: { message: string; problems: string[] } | null }
  const started = Date.now()
  while (status.last_error === null && Date.now() - started < 5000) {
    await sleep(50)
    status = (await (await admin('/admin/policy')).json()) as typeof status
  }
  t.ok(status.last_error, 'GET /admin/policy shows the error')
  t.match(status.last_error?.message, /policy\.yaml:4:12 rules\.0\.route: route "c-does-not-exist" is not a logical model/)
  t.equal(status.version, before.version, 'the running version stays')
  t.same(await routedModel(), { model: 'model-b', rule: 'auto-to-b' }, 'routing unchanged')

  const metrics = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(metrics, /switchyard_policy_reloads_total\{result="error"\} 1/)
  t.match(metrics, /switchyard_policy_reloads_total\{result="success"\} 2/)
  t.match(metrics, new RegExp(`switchyard_policy_info\\{version="${before.version}"\\} 1`))

  const forced = await admin('/admin/policy/reload', 'POST')
  t.equal(forced.status, 422)
  const body = (await forced.json()) as { error: { code: string; message: string } }
  t.equal(body.error.code, 'config_invalid')
  t.match(body.error.message, /c-does-not-exist/)
  t.equal(openaiSchemaErrors('ErrorResponse', body), null)

  // fixing the file recovers, and clears the error
  writeFileSync(join(gw.dir, 'policy.yaml'), policyV1)
  const ok = await admin('/admin/policy/reload', 'POST')
  t.equal(ok.status, 200)
  t.match(await ok.json(), { last_error: null, rules: 2 })
  t.same(await routedModel(), { model: 'model-a', rule: 'auto-to-a' })
})

t.test('a deny rule answers 403 policy_denied with its message, OpenAI-shaped', async (t) => {
  const res = await chat('auto', { 'x-project': 'secret' })
  t.equal(res.status, 403)
  t.equal(res.headers.get('x-switchyard-rule'), 'no-secrets')
  const body = await res.json()
  t.same(body, { error: { message: 'secret projects must use the internal gateway', type: 'permission_error', param: null, code: 'policy_denied' } })
  t.equal(openaiSchemaErrors('ErrorResponse', body), null)
  t.equal(upstream.received.filter((r) => r.headers['x-project']).length, 0, 'nothing went upstream')
})

t.test('the admin policy routes need the admin token', async (t) => {
  t.equal((await fetch(`${gw.url}/admin/policy`)).status, 401)
  t.equal((await fetch(`${gw.url}/admin/policy/reload`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status, 401)
})
