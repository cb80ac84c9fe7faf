import t from 'tap'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { parse, stringify } from 'yaml'
import { pino } from 'pino'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { createGateway } from '../../src/app/gateway.js'
import { runImport } from '../../src/cli/import.js'
import { policyCommand } from '../../src/cli/policy.js'
import { hashKey } from '../../src/identity/authenticator.js'
import { packageRoot } from '../../src/paths.js'
import { chat } from '../helpers/chaos.js'
import { sendJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'

// `switchyard import litellm|portkey`: real-world-shaped configs in, a gateway that routes as the
// source meant out, proved against one fake upstream that speaks OpenAI, Azure, Anthropic and Gemini.

interface Served { kind: string; model: string; key: string | undefined; body: any }
const served: Served[] = []
const seen = new Map<string, number>()

function answer(kind: string, model: string, res: Parameters<typeof sendJson>[0], body: any): void {
  const text = `served by ${kind}/${model}`
  if (kind === 'anthropic') return sendJson(res, 200, { id: 'msg_1', type: 'message', role: 'assistant', model, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 3 } })
  if (kind === 'gemini') return sendJson(res, 200, { candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 }, modelVersion: model, responseId: 'r1' })
  void body
  return sendJson(res, 200, { id: 'c1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } })
}

let up: FakeUpstream
t.before(async () => {
  up = await startFakeUpstream((req, res) => {
    const url = req.url
    const kind = url.startsWith('/openai/deployments/') ? 'azure' : url.startsWith('/v1/messages') ? 'anthropic' : url.startsWith('/v1beta/models/') ? 'gemini' : 'openai'
    const model = kind === 'azure' ? decodeURIComponent(url.split('/')[3]!) : kind === 'gemini' ? decodeURIComponent(/models\/([^:]+):/.exec(url)![1]!) : String(req.body?.model)
    const h = req.headers
    const key = (h.authorization as string | undefined)?.replace(/^Bearer /, '') ?? (h['x-api-key'] as string | undefined) ?? (h['api-key'] as string | undefined) ?? (h['x-goog-api-key'] as string | undefined)
    const n = (seen.get(model) ?? 0) + 1
    seen.set(model, n)
    served.push({ kind, model, key, body: req.body })
    if (model.includes('broken')) return sendJson(res, 500, { error: { message: 'boom', type: 'server_error' } })
    if (model.includes('flaky') && n <= 2) return sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error' } })
    answer(kind, model, res, req.body)
  })
})
t.teardown(() => up.close())

const sink = () => {
  let text = ''
  return { stream: new Writable({ write(chunk, _e, cb) { text += String(chunk); cb() } }), text: () => text }
}

/** Imports a fixture (pointed at the fake upstream); returns the exit code, stdout, stderr and the output folder. */
async function imported(kind: 'litellm' | 'portkey', fixture: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-import-'))
  const source = join(dir, fixture)
  writeFileSync(source, readFileSync(join(packageRoot, 'test', 'fixtures', 'importers', fixture), 'utf8').replaceAll('{{UP}}', up.url.replace(/\/$/, '')))
  const out = sink()
  const err = sink()
  const code = await runImport([kind, source, '--out', join(dir, 'out')], out.stream, err.stream)
  return { code, out: out.text(), err: err.text(), dir: join(dir, 'out'), source }
}

/** A gateway on the imported config, with a key for its `default` team and the given provider keys. */
async function gatewayOn(dir: string, env: Record<string, string>) {
  const file = join(dir, 'gateway.yaml')
  const cfg = parse(readFileSync(file, 'utf8'))
  cfg.teams.default.keys = [{ name: 'test', sha256: hashKey('sk-sy-import-test') }]
  cfg.storage = { data_dir: join(dir, 'data') }
  writeFileSync(file, stringify(cfg))
  const gw = await createGateway({ configPath: file, env: { PATH: process.env.PATH, ...env }, logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1', audit: new MemoryAuditRecorder() })
  const url = await gw.listen()
  return { gw, ask: (model: string, extra: object = {}) => chat(`${url}/v1`, { model, ...extra }, { headers: { authorization: 'Bearer sk-sy-import-test' } }) }
}

const policyTestPasses = async (dir: string) => (await policyCommand(['test', '--config', join(dir, 'gateway.yaml')], () => join(dir, 'gateway.yaml'))) === 0
const lineOf = (file: string, needle: string) => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1

t.test('LiteLLM, one deployment per model: each model name reaches its provider, upstream model and key', async (t) => {
  const r = await imported('litellm', 'litellm-multi-provider.yaml')
  t.equal(r.code, 0, r.err)
  for (const [needle, what] of [['success_callback', /success callbacks/], ['drop_params', /drop_params/], ['master_key', /master key/], ['database_url', /database_url/]] as const) {
    t.match(r.err, new RegExp(`:${lineOf(r.source, needle)}: not carried: .*${what.source}`), `${needle} is listed with its line`)
  }
  t.ok(await policyTestPasses(r.dir), 'the generated policy tests pass')
  const gen = parse(readFileSync(join(r.dir, 'gateway.yaml'), 'utf8'))
  t.match(gen, { resilience: { max_attempts: 3, timeouts: { total_ms: 30000 } }, pricing: { 'openai/gpt-4o': { input: 2.5, output: 10 } } })
  const { gw, ask } = await gatewayOn(r.dir, { OPENAI_API_KEY: 'k-openai', ANTHROPIC_API_KEY: 'k-anthropic', GEMINI_API_KEY: 'k-gemini' })
  t.teardown(() => gw.close())
  const expected: Record<string, Omit<Served, 'body'>> = {
    'gpt-4o': { kind: 'openai', model: 'gpt-4o', key: 'k-openai' },
    'claude-sonnet': { kind: 'anthropic', model: 'claude-3-5-sonnet-20241022', key: 'k-anthropic' },
    'gemini-flash': { kind: 'gemini', model: 'gemini-2.0-flash', key: 'k-gemini' },
    'local-llama': { kind: 'openai', model: 'meta-llama/Llama-3.1-8B-Instruct', key: undefined },
  }
  for (const [name, want] of Object.entries(expected)) {
    const before = served.length
    const res = await ask(name)
    t.equal(res.status, 200, `${name}: ${res.text.slice(0, 200)}`)
    t.match(served.slice(before), [{ ...want }], `${name} -> ${want.kind}/${want.model}`)
    if (want.key === undefined) t.equal(served.at(-1)!.key, undefined, 'no key for the local server')
  }
  t.not((await ask('gpt-4o')).headers.get('x-switchyard-cost-usd'), 'unknown', 'pricing was carried')
})

t.test('LiteLLM, deployments sharing a model name: weights, per-deployment limits, retries, a fallback model, an alias', async (t) => {
  const r = await imported('litellm', 'litellm-load-balanced.yaml')
  t.equal(r.code, 0, r.err)
  t.match(r.err, new RegExp(`:${lineOf(r.source, 'redis_host')}: not carried: router_settings.redis_host`))
  t.ok(await policyTestPasses(r.dir))
  const gen = parse(readFileSync(join(r.dir, 'gateway.yaml'), 'utf8'))
  t.match(gen.models['gpt-4o'], { strategy: 'weighted', targets: [{ model: 'gpt-4o-eastus', weight: 3, rpm: 900 }, { model: 'gpt-4o', weight: 1, tpm: 200000 }] })
  t.match(gen.models.broken, { fallbacks: ['claude'] })
  t.equal(gen.resilience.max_attempts, 3)
  const { gw, ask } = await gatewayOn(r.dir, { AZURE_API_KEY_EASTUS: 'k-azure', OPENAI_API_KEY: 'k-openai', ANTHROPIC_API_KEY: 'k-anthropic' })
  t.teardown(() => gw.close())
  const before = served.length
  for (let i = 0; i < 200; i++) t.equal((await ask(i % 2 ? 'gpt-4o' : 'gpt-4')).status, 200)
  const calls = served.slice(before)
  const azure = calls.filter((c) => c.kind === 'azure' && c.model === 'gpt-4o-eastus' && c.key === 'k-azure').length
  const openai = calls.filter((c) => c.kind === 'openai' && c.model === 'gpt-4o' && c.key === 'k-openai').length
  t.equal(azure + openai, 200, 'the alias gpt-4 and gpt-4o reach only the two deployments')
  t.ok(azure > 125 && azure < 175, `weights 3:1 hold (${azure} of 200 on the weight-3 deployment)`)

  const flaky = await ask('flaky')
  t.equal(flaky.status, 200, 'num_retries 2: two 503s, then served')
  t.equal(flaky.headers.get('x-switchyard-attempts'), '3')
  const broken = await ask('broken')
  t.equal(broken.status, 200, 'the fallback model serves when the model fails')
  t.match(served.at(-1), { kind: 'anthropic', model: 'claude-sonnet-4-20250514', key: 'k-anthropic' })
})

t.test('LiteLLM, proxy extras: what cannot be carried is listed with its line; context-window fallback becomes a rule', async (t) => {
  const r = await imported('litellm', 'litellm-proxy-extras.yaml')
  t.equal(r.code, 0, r.err)
  t.match(r.err, new RegExp(`:${lineOf(r.source, 'sk-literal-key-in-the-file')}: not carried: api_key is written in the file`))
  t.match(r.err, new RegExp(`:${lineOf(r.source, 'bedrock/anthropic')}: not carried: .*provider "bedrock" is not one Switchyard speaks`))
  t.match(r.err, new RegExp(`:${lineOf(r.source, 'cache: true')}: not carried: .*cache`))
  t.match(r.err, new RegExp(`:${lineOf(r.source, 'guardrails:')}: not carried: guardrails`))
  t.match(r.err, new RegExp(`:${lineOf(r.source, 'callbacks:')}: not carried: litellm_settings.callbacks`))
  t.notMatch(readFileSync(join(r.dir, 'gateway.yaml'), 'utf8'), /sk-literal-key-in-the-file/, 'the key in the file is not copied')
  const gen = parse(readFileSync(join(r.dir, 'gateway.yaml'), 'utf8'))
  t.equal(gen.models.small.strategy, 'fallback', 'one deployment')
  t.match(gen.providers, { groq: { type: 'openai', base_url: 'https://api.groq.com/openai/v1', api_key_env: 'GROQ_API_KEY' } })
  t.notOk('bedrock-claude' in gen.models, 'the model it cannot serve is left out')
  const policy = parse(readFileSync(join(r.dir, 'policy.yaml'), 'utf8'))
  t.match(policy.rules[0], { name: 'long-context-small', when: { model: 'small', prompt_tokens: { gt: 1000 } }, route: 'big' })
  t.ok(await policyTestPasses(r.dir))
  const { gw, ask } = await gatewayOn(r.dir, { OPENAI_API_KEY: 'unused', GEMINI_API_KEY: 'k-gemini', SMALL_API_KEY: 'k-small' })
  t.teardown(() => gw.close())
  t.equal((await ask('small')).status, 200)
  t.match(served.at(-1), { kind: 'openai', model: 'gpt-4o-mini' })
  const long = await ask('small', { messages: [{ role: 'user', content: 'word '.repeat(1200) }] })
  t.equal(long.status, 200)
  t.match(served.at(-1), { kind: 'gemini', model: 'gemini-1.5-pro', key: 'k-gemini' }, 'a prompt over the window goes to the bigger model')
})

t.test('Portkey, fallback over a nested loadbalance: the failing target falls back to the weighted pair', async (t) => {
  const r = await imported('portkey', 'portkey-fallback-nested.json')
  t.equal(r.code, 0, r.err)
  t.match(r.err, new RegExp(`:${lineOf(r.source, 'sk-portkey-literal')}: not carried: api_key is written in the config`))
  t.match(r.err, new RegExp(`:${lineOf(r.source, 'anthropic-vk-prod')}: not carried: virtual_key anthropic-vk-prod`))
  t.match(r.err, new RegExp(`:${lineOf(r.source, '"cache"')}: not carried: cache`))
  const gen = parse(readFileSync(join(r.dir, 'gateway.yaml'), 'utf8'))
  t.match(gen.models['portkey-fallback-nested'], { strategy: 'fallback', targets: [{ model: 'broken-model' }], fallbacks: ['portkey-fallback-nested-2'], timeouts: { total_ms: 20000 } })
  t.match(gen.models['portkey-fallback-nested-2'], { strategy: 'weighted', targets: [{ weight: 0.7 }, { weight: 0.3 }] })
  t.equal(gen.resilience.max_attempts, 3, 'retry.attempts 2 = three tries')
  t.ok(await policyTestPasses(r.dir))
  const { gw, ask } = await gatewayOn(r.dir, { OPENAI_API_KEY: 'k-openai', ANTHROPIC_API_KEY: 'k-anthropic', GOOGLE_API_KEY: 'k-google' })
  t.teardown(() => gw.close())
  let anthropic = 0
  for (let i = 0; i < 60; i++) {
    const before = served.length
    const res = await ask('whatever-the-client-names')
    t.equal(res.status, 200)
    const after = served.slice(before)
    // the failing first target is tried first until its circuit breaker opens, then skipped
    if (i === 0) t.same(after.map((c) => c.model).slice(0, 3), ['broken-model', 'broken-model', 'broken-model'], 'the first target is tried first, with its retries')
    t.match(after.at(-1), { kind: /^(anthropic|gemini)$/ }, 'then the loadbalanced pair serves')
    if (after.at(-1)!.kind === 'anthropic') anthropic++
  }
  t.ok(anthropic > 30 && anthropic < 55, `then 0.7 : 0.3 between the pair (${anthropic} of 60 on anthropic)`)
})

t.test('Portkey, conditional on metadata: each condition routes to its target, the default catches the rest', async (t) => {
  const r = await imported('portkey', 'portkey-conditional.json')
  t.equal(r.code, 0, r.err)
  t.match(r.err, new RegExp(`:${lineOf(r.source, '$gt')}: not carried: query on "metadata.tokens_left" uses \\$gt`))
  t.match(r.err, new RegExp(`:${lineOf(r.source, 'cohere')}: not carried: provider "cohere"`))
  t.ok(await policyTestPasses(r.dir))
  const { gw, ask } = await gatewayOn(r.dir, { PREMIUM_API_KEY: 'k-premium', STANDARD_API_KEY: 'k-standard', EU_FREE_API_KEY: 'k-eu' })
  t.teardown(() => gw.close())
  const cases: Array<[Record<string, string> | undefined, Omit<Served, 'body'>]> = [
    [{ user_plan: 'paid' }, { kind: 'openai', model: 'gpt-4o', key: 'k-premium' }],
    [{ user_plan: 'free', region: 'uk' }, { kind: 'anthropic', model: 'claude-3-5-haiku-20241022', key: 'k-eu' }],
    [{ user_plan: 'free', region: 'us' }, { kind: 'openai', model: 'gpt-4o-mini', key: 'k-standard' }],
    [undefined, { kind: 'openai', model: 'gpt-4o-mini', key: 'k-standard' }],
  ]
  for (const [metadata, want] of cases) {
    const res = await ask('any', metadata ? { metadata } : {})
    t.equal(res.status, 200, JSON.stringify(metadata))
    t.match(served.at(-1), want, `${JSON.stringify(metadata)} -> ${want.model}`)
    t.equal(served.at(-1)!.body.max_tokens ?? served.at(-1)!.body.generationConfig?.maxOutputTokens, 512, 'override_params.max_tokens applies')
  }
})

t.test('bad input: a syntax error exits non-zero with its line; a wrong shape names the field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-import-bad-'))
  writeFileSync(join(dir, 'broken.yaml'), 'model_list:\n  - model_name: a\n    litellm_params: { model: openai/x\n')
  const err = sink()
  t.equal(await runImport(['litellm', join(dir, 'broken.yaml'), '--out', join(dir, 'o')], sink().stream, err.stream), 1)
  t.match(err.text(), /broken\.yaml:\d+:\d+ /)
  writeFileSync(join(dir, 'shape.yaml'), 'model_list:\n  - model_name: a\n    litellm_params: { api_base: http://x }\n')
  const err2 = sink()
  t.equal(await runImport(['litellm', join(dir, 'shape.yaml'), '--out', join(dir, 'o2')], sink().stream, err2.stream), 1)
  t.match(err2.text(), /shape\.yaml:3:\d+ model_list\.0\.litellm_params\.model/)
  writeFileSync(join(dir, 'pk.json'), '{ "targets": [ { "provider": "openai" ')
  const err3 = sink()
  t.equal(await runImport(['portkey', join(dir, 'pk.json'), '--out', join(dir, 'o3')], sink().stream, err3.stream), 1)
  t.match(err3.text(), /pk\.json:1:\d+ /)
  t.equal(await runImport(['nginx', 'x'], sink().stream, sink().stream), 2, 'unknown kind: usage')
})
