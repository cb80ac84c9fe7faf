import t from 'tap'
import { hashKey } from '../../src/identity/authenticator.js'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { GatewayError } from '../../src/errors/gateway-error.js'
import type { LimitStage } from '../../src/stages/types.js'
import { sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { scrape, sumOf, type Sample } from '../helpers/prom-text.js'

const KEY = 'sk-sy-metrics-test-key'
const MANY_KEYS = Array.from({ length: 1000 }, (_, i) => `sk-sy-card-${i}`)
const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 }
const completion = (model: string) => ({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1, model,
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop', logprobs: null }],
  usage,
})
const chunk = (model: string, delta: object, finish: string | null = null) =>
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })

let upstream: FakeUpstream
let gw: TestGateway
let flakyCalls = 0

t.before(async () => {
  upstream = await startFakeUpstream(async (req, res) => {
    const model = String(req.body?.model)
    if (model === 'down') return sendJson(res, 500, { error: { message: 'boom', type: 'server_error' } })
    if (model === 'flaky' && flakyCalls++ % 2 === 0) return sendJson(res, 503, { error: { message: 'busy', type: 'server_error' } })
    if (req.body?.stream) {
      return sendSse(res, [chunk(model, { role: 'assistant', content: '' }), chunk(model, { content: 'hi' }), chunk(model, {}, 'stop'),
        JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model, choices: [], usage }), '[DONE]'])
    }
    sendJson(res, 200, completion(model))
  }, '/v1')
  gw = await startGateway({
    providers: {
      alpha: { type: 'openai', base_url: upstream.url },
      beta: { type: 'openai', base_url: upstream.url },
    },
    models: {
      fast: { targets: [{ provider: 'alpha', model: 'ok' }] },
      flaky: { targets: [{ provider: 'alpha', model: 'flaky' }] },
      smart: { strategy: 'fallback', targets: [{ provider: 'alpha', model: 'down' }, { provider: 'beta', model: 'ok' }] },
      secret: { targets: [{ provider: 'beta', model: 'ok' }] },
    },
    pricing: { 'alpha/ok': { input: 1, output: 2 }, 'beta/ok': { input: 1, output: 2 } },
    resilience: { max_attempts: 2, backoff_base_ms: 1, backoff_max_ms: 2 },
    auth: { anonymous_team: 'anon' },
    teams: {
      anon: { models: ['fast'] },
      research: { models: ['fast', 'flaky', 'smart'], keys: [{ name: 'k', sha256: hashKey(KEY) }] },
      many: { models: ['fast'], keys: MANY_KEYS.map((k, i) => ({ name: `key-${i}`, sha256: hashKey(k) })) },
    },
  }, {}, { audit: new MemoryAuditRecorder() })
  // the limits stage is its own feature; a stand-in that refuses on request shows the metrics path
  const limits: LimitStage = {
    async admit(ctx) {
      const h = ctx.headers['x-test-limit']
      if (h === 'rate') throw new GatewayError('rate_limit_exceeded')
      if (h === 'budget') throw new GatewayError('insufficient_quota')
      return {}
    },
    async settle() {},
  }
  gw.gateway.deps.limits = limits
})
t.teardown(async () => {
  await gw?.close()
  await upstream?.close()
})

async function chat(model: string, opts: { key?: string | null; stream?: boolean; headers?: Record<string, string>; user?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers }
  if (opts.key !== null) headers.authorization = `Bearer ${opts.key ?? KEY}`
  const res = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], stream: opts.stream === true, ...(opts.user ? { user: opts.user } : {}) }),
  })
  await res.text()
  return res
}

t.test('mixed traffic lands in the right series with the right counts', async (t) => {
  for (let i = 0; i < 3; i++) t.equal((await chat('fast')).status, 200)
  t.equal((await chat('fast', { stream: true })).status, 200)
  const retried = await chat('flaky')
  t.equal(retried.headers.get('x-switchyard-attempts'), '2', 'flaky: one retry')
  const fellBack = await chat('smart')
  t.equal(fellBack.headers.get('x-switchyard-provider'), 'beta', 'smart: fell back to beta')
  t.equal(fellBack.headers.get('x-switchyard-attempts'), '3', 'smart: two tries on alpha, then beta')
  t.equal((await chat('secret')).status, 403, 'not in the team allow-list')
  t.equal((await chat('fast', { headers: { 'x-test-limit': 'rate' } })).status, 429)
  t.equal((await chat('fast', { headers: { 'x-test-limit': 'budget' } })).status, 429)
  t.equal((await chat('fast', { key: 'sk-sy-wrong' })).status, 401)

  const m = await scrape(gw.url)
  const req = (labels: Record<string, string>) => sumOf(m, 'switchyard_requests_total', labels)
  t.equal(req({ team: 'research', provider: 'alpha', model: 'ok', outcome: 'ok', status_class: '2xx' }), 4, 'successes on alpha/ok')
  t.equal(req({ provider: 'alpha', model: 'flaky', outcome: 'ok' }), 1, 'the retried call succeeded')
  t.equal(req({ provider: 'beta', model: 'ok', outcome: 'ok' }), 1, 'the fallback call succeeded on beta')
  t.equal(req({ team: 'research', outcome: 'invalid_request', status_class: '4xx', provider: 'none' }), 1, 'denied by the allow-list')
  t.equal(req({ outcome: 'rate_limited', status_class: '4xx' }), 1)
  t.equal(req({ outcome: 'over_budget', status_class: '4xx' }), 1)
  t.equal(req({ team: 'none', outcome: 'unauthorized' }), 1, 'bad key: no team')
  t.equal(req({}), 10, 'every call counted once')

  t.equal(sumOf(m, 'switchyard_retries_total', { provider: 'alpha', model: 'flaky' }), 1)
  t.equal(sumOf(m, 'switchyard_retries_total', { provider: 'alpha', model: 'down' }), 1, 'smart retried alpha once before falling back')
  t.equal(sumOf(m, 'switchyard_retries_total'), 2)
  t.equal(sumOf(m, 'switchyard_fallbacks_total', { provider: 'alpha', model: 'down' }), 1)
  t.equal(sumOf(m, 'switchyard_fallbacks_total'), 1)
  t.equal(sumOf(m, 'switchyard_upstream_attempts_total', { provider: 'alpha', model: 'down', status_class: '5xx' }), 2)
  t.equal(sumOf(m, 'switchyard_upstream_attempts_total', { provider: 'alpha', model: 'flaky', status_class: '5xx' }), 1)
  t.equal(sumOf(m, 'switchyard_upstream_attempts_total'), 9, '4 + 2 + 3 attempts')
  t.equal(sumOf(m, 'switchyard_limited_requests_total', { team: 'research', reason: 'rate_limited' }), 1)
  t.equal(sumOf(m, 'switchyard_limited_requests_total', { team: 'research', reason: 'over_budget' }), 1)

  t.equal(sumOf(m, 'switchyard_tokens_total', { team: 'research', direction: 'input' }), 12 * 6)
  t.equal(sumOf(m, 'switchyard_tokens_total', { team: 'research', direction: 'output' }), 5 * 6)
  t.equal(Math.round(sumOf(m, 'switchyard_cost_usd_total', { team: 'research' }) * 1e9), Math.round(5 * ((12 * 1 + 5 * 2) / 1e6) * 1e9))
  t.equal(sumOf(m, 'gen_ai_client_token_usage_count', { gen_ai_token_type: 'input', gen_ai_system: 'openai' }), 6)
  t.equal(sumOf(m, 'gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output' }), 30)
  t.equal(sumOf(m, 'gen_ai_client_operation_duration_seconds_count'), 9, 'one per attempt')
  t.equal(sumOf(m, 'gen_ai_client_operation_duration_seconds_count', { error_type: 'upstream_error' }), 2)
  t.equal(sumOf(m, 'gen_ai_server_time_to_first_token_seconds_count', { gen_ai_request_model: 'ok' }), 1, 'one stream')
  t.equal(sumOf(m, 'switchyard_gateway_overhead_seconds_count'), 6, 'calls that reached an upstream')
  t.equal(sumOf(m, 'switchyard_request_duration_seconds_count'), 10)
  t.equal(sumOf(m, 'switchyard_inflight_requests', { stream: 'false' }), 0, 'no request in flight after the calls')
  t.equal(sumOf(m, 'switchyard_inflight_requests', { stream: 'true' }), 0, 'no stream in flight after the calls')
  t.equal(m.filter((s) => s.name === 'switchyard_policy_info' && s.value === 1).length, 1, 'policy version exported')
  t.equal(sumOf(m, 'switchyard_policy_info', { version: gw.gateway.deps.runtime.current.policy.version }), 1)
})

const seriesKeys = (m: Sample[]) => new Set(m.filter((s) => !s.name.startsWith('switchyard_process_')).map((s) => `${s.name}${JSON.stringify(s.labels)}`))

t.test('1,000 distinct users, sessions and keys add no series', async (t) => {
  const call = (i: number) =>
    fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${MANY_KEYS[i]}`, 'x-switchyard-session': `session-${i}` },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], user: `user-${i}` }),
    }).then(async (r) => (await r.text(), r.status))
  t.equal(await call(0), 200)
  const before = seriesKeys(await scrape(gw.url))
  const statuses: number[] = []
  for (let i = 1; i < 1000; i += 25) statuses.push(...(await Promise.all(Array.from({ length: Math.min(25, 1000 - i) }, (_, j) => call(i + j)))))
  t.equal(statuses.filter((s) => s === 200).length, 999)
  const after = await scrape(gw.url)
  t.same([...seriesKeys(after)].filter((k) => !before.has(k)), [], 'no new series')
  t.equal(sumOf(after, 'switchyard_requests_total', { team: 'many', outcome: 'ok' }), 1000)
  const text = await (await fetch(`${gw.url}/metrics`)).text()
  t.notMatch(text, /user-\d|session-\d|key-\d|sk-sy-/, 'no user, session or key in any label')
})
