import t from 'tap'
import OpenAI from 'openai'
import { startFakeUpstream, sendJson, sendSse, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { fixtureJson, fixtureText, sseFrames } from '../helpers/fixtures.js'
import { openaiSchemaErrors } from '../helpers/openai-schemas.js'
import { hashKey } from '../../src/identity/authenticator.js'

const CLIENT_KEY = 'sk-sy-test-client-key-never-forwarded'

/** Serves OpenAI wire-format fixtures; `x-fixture` picks which one (the gateway forwards no client headers, so tests choose by model). */
function fixtureFor(model: string, stream: boolean): { status: number; body?: unknown; sse?: string } {
  if (model.includes('error-400')) return { status: 400, body: fixtureJson('openai', 'error-400.res.json') }
  if (model.includes('tools')) return stream ? { status: 200, sse: fixtureText('openai', 'stream-tool-calls.sse') } : { status: 200, body: fixtureJson('openai', 'chat-tool-calls.res.json') }
  if (model.includes('midway')) return { status: 200, sse: fixtureText('openai', 'stream-error-midway.sse') }
  return stream ? { status: 200, sse: fixtureText('openai', 'stream-text.sse') } : { status: 200, body: fixtureJson('openai', 'chat-text.res.json') }
}

let upstream: FakeUpstream
let gw: TestGateway
let viaGateway: OpenAI
let direct: OpenAI

t.before(async () => {
  upstream = await startFakeUpstream(async (req, res) => {
    if (req.url === '/v1/slow/chat/completions') {
      // streams forever (until the gateway closes the connection)
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const timer = setInterval(() => res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'tick ' }, finish_reason: null }] })}\n\n`), 20)
      res.on('close', () => clearInterval(timer))
      return
    }
    const f = fixtureFor(String(req.body?.model ?? ''), req.body?.stream === true)
    if (f.sse !== undefined) {
      // honour include_usage as OpenAI does: without it there is no usage chunk
      const frames = sseFrames(f.sse).filter((fr) => req.body?.stream_options?.include_usage || !/"choices":\[\],/.test(fr))
      await sendSse(res, frames)
    } else sendJson(res, f.status, f.body)
  }, '/v1')
  gw = await startGateway(
    {
      providers: {
        up: { type: 'openai', base_url: upstream.url, api_key_env: 'TEST_UPSTREAM_KEY' },
        slow: { type: 'openai', base_url: `${upstream.origin}/v1/slow` },
      },
      models: {
        'gpt-4o-mini': { targets: [{ provider: 'up', model: 'gpt-4o-mini' }] },
        tools: { targets: [{ provider: 'up', model: 'gpt-4o-mini-tools' }] },
        midway: { targets: [{ provider: 'up', model: 'midway' }] },
        bad: { targets: [{ provider: 'up', model: 'error-400' }] },
        slow: { targets: [{ provider: 'slow', model: 'slow' }] },
      },
      pricing: { 'up/gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 } },
      auth: { anonymous_team: 'demo' },
      teams: { demo: { keys: [{ name: 'sdk', sha256: hashKey(CLIENT_KEY) }] } },
      server: { body_limit_mb: 0.01 },
    },
    {},
    { env: { TEST_UPSTREAM_KEY: 'sk-upstream-secret' } },
  )
  viaGateway = new OpenAI({ baseURL: gw.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 })
  direct = new OpenAI({ baseURL: upstream.url, apiKey: 'sk-direct', maxRetries: 0 })
})
t.teardown(async () => {
  await gw?.close()
  await upstream?.close()
})

const messages = [{ role: 'user' as const, content: 'Say hello' }]

t.test('non-streaming: same content and usage as direct, OpenAI-valid, routing headers', async (t) => {
  const { data, response } = await viaGateway.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse()
  const ref = await direct.chat.completions.create({ model: 'gpt-4o-mini', messages })
  t.same(data, ref, 'gateway answer is the upstream answer')
  t.equal(openaiSchemaErrors('CreateChatCompletionResponse', data), null)
  t.equal(response.headers.get('x-switchyard-provider'), 'up')
  t.equal(response.headers.get('x-switchyard-model'), 'gpt-4o-mini')
  t.equal(response.headers.get('x-switchyard-attempts'), '1')
  t.match(response.headers.get('x-request-id'), /^req_/)
  // 19 prompt tokens * 0.15 + 10 completion * 0.6, per million
  t.equal(Number(response.headers.get('x-switchyard-cost-usd')), (19 * 0.15 + 10 * 0.6) / 1e6)
  const sent = upstream.received.at(-2)!
  t.equal(sent.headers.authorization, 'Bearer sk-upstream-secret', 'provider key from api_key_env, never the client key')
  t.equal(sent.body.model, 'gpt-4o-mini')
})

t.test('unknown body fields pass through to an OpenAI-compatible upstream', async (t) => {
  await viaGateway.chat.completions.create({ model: 'gpt-4o-mini', messages, // @ts-expect-error vendor extension
    top_k: 40, metadata: { app: 'x' } })
  const sent = upstream.received.at(-1)!
  t.equal(sent.body.top_k, 40)
  t.same(sent.body.metadata, { app: 'x' })
})

t.test('a request the gateway does not change goes upstream as the very text the client sent', async (t) => {
  const post = (text: string) => fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` }, body: text })
  const asSent = '{ "messages": [ {"role":"user", "content":"Say hello \\u00e9"} ],\n  "top_k": 40, "model": "gpt-4o-mini" }'
  t.equal((await post(asSent)).status, 200)
  t.equal(upstream.received.at(-1)!.text, asSent, 'same bytes: key order, spacing and escapes kept')
  // the logical model `tools` maps to another upstream model: the body is serialized again, with it
  const renamed = '{ "model": "tools", "messages": [ {"role":"user", "content":"Say hello"} ], "top_k": 40 }'
  t.equal((await post(renamed)).status, 200)
  const sent = upstream.received.at(-1)!
  t.not(sent.text, renamed)
  t.same(sent.body, { model: 'gpt-4o-mini-tools', messages: [{ role: 'user', content: 'Say hello' }], top_k: 40 })
})

t.test('streaming: chunks equal direct, usage chunk removed when not asked, requested upstream', async (t) => {
  const collect = async (client: OpenAI, opts: object = {}) => {
    const out = []
    for await (const c of await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, ...opts })) out.push(c)
    return out
  }
  const viaGw = await collect(viaGateway)
  t.same(upstream.received.at(-1)!.body.stream_options, { include_usage: true }, 'gateway asks upstream for usage')
  const ref = await collect(direct)
  t.same(viaGw, ref, 'the client sees exactly what it would see directly')
  t.notOk(viaGw.some((c) => c.usage), 'no usage chunk when the client did not ask')
  for (const c of viaGw) t.equal(openaiSchemaErrors('CreateChatCompletionStreamResponse', c), null)

  const withUsage = await collect(viaGateway, { stream_options: { include_usage: true } })
  const refUsage = await collect(direct, { stream_options: { include_usage: true } })
  t.same(withUsage, refUsage)
  t.same(withUsage.at(-1)!.usage?.total_tokens, 29)
})

t.test('tool calls: streamed and non-streamed match direct', async (t) => {
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }]
  const plain = await viaGateway.chat.completions.create({ model: 'tools', messages, tools })
  const plainRef = await direct.chat.completions.create({ model: 'gpt-4o-mini-tools', messages, tools })
  t.same(plain.choices, plainRef.choices)
  t.equal(plain.choices[0]!.message.tool_calls!.length, 2)

  const final = await viaGateway.chat.completions.stream({ model: 'tools', messages, tools }).finalChatCompletion()
  const finalRef = await direct.chat.completions.stream({ model: 'gpt-4o-mini-tools', messages, tools }).finalChatCompletion()
  t.same(final.choices, finalRef.choices)
  const calls = final.choices[0]!.message.tool_calls!
  t.same(calls.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)]), [
    ['get_weather', { location: 'Paris, France', unit: 'celsius' }],
    ['get_time', { timezone: 'Europe/Paris' }],
  ])
})

t.test('upstream 400 reaches the client as an OpenAI error with its status', async (t) => {
  const err = await viaGateway.chat.completions.create({ model: 'bad', messages }).catch((e) => e)
  t.ok(err instanceof OpenAI.APIError)
  t.equal(err.status, 400)
  t.match(err.message, /unknown role/)
})

t.test('a mid-stream upstream error reaches the client as an error, not a silent end', async (t) => {
  const seen: string[] = []
  const err = await (async () => {
    for await (const c of await viaGateway.chat.completions.create({ model: 'midway', messages, stream: true })) seen.push(c.choices[0]?.delta.content ?? '')
  })().catch((e) => e)
  t.ok(err instanceof OpenAI.APIError, 'the SDK raises')
  t.match(String(err.message), /server had an error/)
  t.same(seen.join(''), 'Partial')
})

t.test('client abort mid-stream closes the upstream connection within a second', async (t) => {
  const before = upstream.closedConnections
  const ac = new AbortController()
  const res = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow', messages, stream: true }),
    signal: ac.signal,
  })
  const reader = res.body!.getReader()
  await reader.read()
  const abortedAt = Date.now()
  ac.abort()
  while (upstream.closedConnections === before && Date.now() - abortedAt < 2000) await new Promise((r) => setTimeout(r, 10))
  t.ok(upstream.closedConnections > before, 'upstream saw its connection close')
  t.ok(Date.now() - abortedAt < 1000, `closed after ${Date.now() - abortedAt} ms`)
})

t.test('input errors are OpenAI-shaped with the right status and param', async (t) => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  const cases: Array<[string, string, number, string, string | null]> = [
    ['malformed JSON', '{"model":', 400, 'invalid_json', null],
    ['no messages', JSON.stringify({ model: 'gpt-4o-mini', messages: [] }), 400, 'invalid_request', 'messages'],
    ['bad role', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'x' }] }), 400, 'invalid_request', 'messages[0].role'],
    ['bad temperature', JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 7 }), 400, 'invalid_request', 'temperature'],
    ['unknown model', JSON.stringify({ model: 'nope', messages }), 404, 'model_not_found', 'model'],
    ['too large', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] }), 413, 'request_too_large', null],
  ]
  for (const [name, body, status, code, param] of cases) {
    const res = await post(body)
    const json = (await res.json()) as { error: { code: string; param: string | null } }
    t.equal(res.status, status, name)
    t.equal(json.error.code, code, name)
    t.equal(json.error.param, param, name)
    t.equal(openaiSchemaErrors('ErrorResponse', json), null, name)
  }
  const notFound = await fetch(`${gw.url}/v1/nothing-here`)
  t.equal(notFound.status, 404)
  t.equal(openaiSchemaErrors('ErrorResponse', await notFound.json()), null)
})

t.test('x-request-id is honoured and models are listed in OpenAI shape', async (t) => {
  const res = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'trace-me-123' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
  })
  t.equal(res.headers.get('x-request-id'), 'trace-me-123')
  const models = await viaGateway.models.list()
  t.same(models.data.map((m) => m.id).sort(), ['bad', 'gpt-4o-mini', 'midway', 'slow', 'tools'])
  const raw = await (await fetch(`${gw.baseURL}/models`)).json()
  t.equal(openaiSchemaErrors('ListModelsResponse', raw), null)
})
