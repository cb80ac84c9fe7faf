import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { PgliteDatabase } from '../../src/adapters/db/pglite.js'
import { createGateway } from '../../src/app/gateway.js'
import { hashKey } from '../../src/identity/authenticator.js'
import { packageRoot } from '../../src/paths.js'
import { chat, completion, until } from '../helpers/chaos.js'
import { fakeGemini } from '../helpers/fake-gemini.js'
import { sendJson, startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway } from '../helpers/gateway.js'

// What a newcomer meets in their first hour, each point proved against a running gateway.
const run = promisify(execFile)

t.test('the README SDK snippet works verbatim against the demo config (no Switchyard key needed)', async (t) => {
  const database = await PgliteDatabase.open(undefined)
  const gw = await createGateway({ configPath: join(packageRoot, 'config', 'demo.yaml'), env: { PATH: process.env.PATH }, logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1', database })
  const url = await gw.listen()
  t.teardown(async () => {
    await gw.close()
    await database.close()
  })
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8')
  const snippet = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((s) => s.includes('new OpenAI('))
  t.ok(snippet, 'the README has an OpenAI SDK snippet')
  t.match(snippet!, /http:\/\/127\.0\.0\.1:8080\/v1/, 'it points at the demo address')
  // the snippet as written, at this test gateway's address; run from the project so `openai` resolves
  const file = join(packageRoot, `.readme-snippet-${process.pid}.mjs`)
  writeFileSync(file, snippet!.replace('http://127.0.0.1:8080', url))
  t.teardown(() => rmSync(file, { force: true }))
  const env = { ...process.env }
  delete env.SWITCHYARD_KEY
  delete env.OPENAI_API_KEY
  const { stdout } = await run(process.execPath, [file], { env, cwd: packageRoot })
  t.match(stdout, /\S/, `the snippet printed an answer: ${stdout.trim().slice(0, 80)}`)

  const wrongKey = await chat(`${url}/v1`, { model: 'demo', messages: [{ role: 'user', content: 'hi' }] }, { headers: { authorization: 'Bearer sk-sy-not-a-real-key' } })
  t.equal(wrongKey.status, 401, 'a token shaped like a Switchyard key is still checked')
})

t.test('a key\'s models narrow its team\'s list and never widen it; the refusal names the key', async (t) => {
  const upstream = await startFakeUpstream((req, res) => sendJson(res, 200, completion('ok', String(req.body?.model))))
  const audit = new MemoryAuditRecorder()
  const gw = await startGateway({
    providers: { up: { type: 'openai', base_url: upstream.url } },
    models: { fast: { targets: [{ provider: 'up', model: 'f' }] }, smart: { targets: [{ provider: 'up', model: 's' }] }, big: { targets: [{ provider: 'up', model: 'b' }] } },
    teams: {
      research: {
        models: ['fast', 'smart'],
        keys: [
          { name: 'narrow', sha256: hashKey('sk-sy-narrow-key'), models: ['fast'] },
          { name: 'wide', sha256: hashKey('sk-sy-wide-key'), models: ['fast', 'big'] },
        ],
      },
    },
  }, {}, { audit })
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
  })
  const ask = (key: string, model: string) => chat(gw.baseURL, { model, messages: [{ role: 'user', content: 'hi' }] }, { headers: { authorization: `Bearer ${key}` } })
  t.equal((await ask('sk-sy-narrow-key', 'fast')).status, 200)
  const narrowed = await ask('sk-sy-narrow-key', 'smart')
  t.equal(narrowed.status, 403, 'the key may not use what its team may')
  t.match(narrowed.json, { error: { code: 'model_not_allowed', message: /not enabled for this API key \(key "narrow"\)/ } })
  const widened = await ask('sk-sy-wide-key', 'big')
  t.equal(widened.status, 403, 'a key cannot widen its team\'s list')
  t.match(widened.json, { error: { code: 'model_not_allowed', message: /not enabled for team "research"/ } })

  const list = await fetch(`${gw.baseURL}/models`, { headers: { authorization: 'Bearer sk-sy-wide-key' } })
  t.same((await list.json() as { data: Array<{ id: string }> }).data.map((m) => m.id), ['fast'], '/v1/models lists the intersection')
  const one = await fetch(`${gw.baseURL}/models/fast`, { headers: { authorization: 'Bearer sk-sy-narrow-key' } })
  t.equal(one.status, 200)
  t.match(await one.json(), { id: 'fast', object: 'model', owned_by: 'switchyard' }, 'GET /v1/models/{id}')
  const hidden = await fetch(`${gw.baseURL}/models/smart`, { headers: { authorization: 'Bearer sk-sy-narrow-key' } })
  t.equal(hidden.status, 404)
  t.match(await hidden.json(), { error: { code: 'model_not_found', param: 'model' } })
})

t.test('a 401 is audited as unauthorized', async (t) => {
  const audit = new MemoryAuditRecorder()
  const upstream = await startFakeUpstream((_req, res) => sendJson(res, 200, completion('ok')))
  const gw = await startGateway({ providers: { up: { type: 'openai', base_url: upstream.url } }, models: { m: { targets: [{ provider: 'up', model: 'm' }] } }, teams: { a: {} } }, {}, { audit })
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
  })
  const res = await chat(gw.baseURL, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { headers: { authorization: 'Bearer sk-sy-nope' } })
  t.equal(res.status, 401)
  await until(() => audit.rows.length === 1)
  t.match(audit.rows[0], { outcome: 'unauthorized', errorType: 'invalid_api_key', status: 401 })
})

t.test('a provider whose api_key_env is unset: named in a warning at start, and its calls say which variable', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) })
  const upstream = await startFakeUpstream((_req, res) => sendJson(res, 200, completion('ok')))
  const gw = await startGateway({
    providers: { acme: { type: 'openai', base_url: upstream.url, api_key_env: 'SWITCHYARD_TEST_ACME_KEY_UNSET' } },
    models: { m: { targets: [{ provider: 'acme', model: 'm' }] } },
    teams: { a: { keys: [{ name: 'k', sha256: hashKey('sk-sy-acme-client') }] } },
  }, {}, { logger })
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
  })
  t.ok(lines.some((l) => l.level === 40 && /SWITCHYARD_TEST_ACME_KEY_UNSET/.test(String(l.msg)) && l.provider === 'acme'), 'a warning names the provider and the variable')
  const res = await chat(gw.baseURL, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { headers: { authorization: 'Bearer sk-sy-acme-client' } })
  t.equal(res.status, 503)
  t.match(res.json, { error: { message: /SWITCHYARD_TEST_ACME_KEY_UNSET/ } }, 'the error names the variable')
  t.equal(upstream.received.length, 0, 'nothing was sent without the key')
})

t.test('an upstream 429 with a retry delay in the body (Gemini RetryInfo) is honoured, and the client gets retry-after', async (t) => {
  const quota = (delay: string) => ({ error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay }] } })
  const seen = new Map<string, number[]>()
  const ok = fakeGemini(() => ({ json: 'chat-text.res.json' }))
  const upstream = await startFakeUpstream(async (req, res, raw) => {
    const model = /models\/([^:]+):/.exec(req.url)?.[1] ?? ''
    const times = seen.get(model) ?? []
    times.push(performance.now())
    seen.set(model, times)
    if (model === 'short' && times.length === 1) return sendJson(res, 429, quota('1.2s'))
    if (model === 'long') return sendJson(res, 429, quota('45s'))
    return ok(req, res, raw)
  })
  const gw = await startGateway({
    providers: { g: { type: 'gemini', base_url: upstream.url, api_key_env: 'TEST_GEMINI_RETRYINFO_KEY' } },
    models: { short: { targets: [{ provider: 'g', model: 'short' }] }, long: { targets: [{ provider: 'g', model: 'long' }] } },
    teams: { a: { keys: [{ name: 'k', sha256: hashKey('sk-sy-retryinfo') }] } },
    resilience: { max_attempts: 3, backoff_base_ms: 10, backoff_max_ms: 20, retry_after_cap_ms: 5000 },
  }, {}, { env: { ...process.env, TEST_GEMINI_RETRYINFO_KEY: 'g-key' } })
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
  })
  const headers = { authorization: 'Bearer sk-sy-retryinfo' }
  const short = await chat(gw.baseURL, { model: 'short', messages: [{ role: 'user', content: 'hi' }] }, { headers })
  t.equal(short.status, 200, 'served after waiting')
  const [first, second] = seen.get('short')!
  t.ok(second! - first! >= 1150, `the retry waited for the delay Gemini asked for (${Math.round(second! - first!)} ms)`)

  const long = await chat(gw.baseURL, { model: 'long', messages: [{ role: 'user', content: 'hi' }] }, { headers })
  t.equal(long.status, 429)
  t.equal(long.headers.get('retry-after'), '45', 'the client is told how long to wait')
  t.equal(seen.get('long')!.length, 1, 'no retry sooner than the delay allows (longer than the cap: no retry at all)')
})
