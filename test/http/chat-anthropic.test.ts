import t from 'tap'
import OpenAI from 'openai'
import { anthropicRequestError, fakeAnthropic } from '../helpers/fake-anthropic.js'
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { openaiSchemaErrors } from '../helpers/openai-schemas.js'
import { hashKey } from '../../src/identity/authenticator.js'

const CLIENT_KEY = 'sk-sy-anthropic-e2e-client-key'

/** The model name picks the fixture pair the fake Anthropic serves. */
const scenarios: Record<string, { json?: string; sse?: string; status?: number }> = {
  'claude-text': { json: 'chat-text.res.json', sse: 'stream-text.sse' },
  'claude-tools': { json: 'chat-tool-calls-parallel.res.json', sse: 'stream-tool-calls-parallel.sse' },
  'claude-tool': { json: 'chat-tool-call.res.json', sse: 'stream-tool-call.sse' },
  'claude-json': { json: 'chat-json.res.json', sse: 'stream-json.sse' },
  'claude-cached': { json: 'chat-cached.res.json', sse: 'stream-cached.sse' },
  'claude-midway': { sse: 'stream-error-midway.sse' },
  'claude-truncated': { sse: 'stream-truncated.sse' },
  'claude-overloaded': { status: 529, json: 'error-529.res.json' },
  'claude-ratelimited': { status: 429, json: 'error-429.res.json' },
  'claude-invalid': { status: 400, json: 'error-400.res.json' },
}

let upstream: FakeUpstream
let gw: TestGateway
let client: OpenAI

t.before(async () => {
  upstream = await startFakeUpstream(
    fakeAnthropic((model, stream) => {
      const s = scenarios[model]!
      return s.status ? { status: s.status, json: s.json! } : stream ? { sse: s.sse! } : { json: s.json! }
    }),
  )
  const models = Object.fromEntries(Object.keys(scenarios).map((m) => [m, { targets: [{ provider: 'claude', model: m }] }]))
  gw = await startGateway(
    {
      providers: { claude: { type: 'anthropic', base_url: upstream.url, api_key_env: 'TEST_ANTHROPIC_KEY', default_max_tokens: 2048 } },
      models,
      pricing: { 'claude/claude-cached': { input: 3, cached_input: 0.3, output: 15 } },
      resilience: { max_attempts: 2, backoff_base_ms: 1, backoff_max_ms: 5 },
      auth: { anonymous_team: 'demo' },
      teams: { demo: { keys: [{ name: 'sdk', sha256: hashKey(CLIENT_KEY) }] } },
    },
    {},
    { env: { TEST_ANTHROPIC_KEY: 'sk-ant-test-secret' } },
  )
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 })
})
t.teardown(async () => {
  await gw?.close()
  await upstream?.close()
})

const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Say hello' }]
const tools = [
  { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] } } },
  { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } } },
]

t.test('create: OpenAI-valid completion with text, finish_reason and usage; native request upstream', async (t) => {
  const { data, response } = await client.chat.completions.create({ model: 'claude-text', messages, temperature: 0.3, presence_penalty: 0.5, seed: 3, user: 'alice' }).withResponse()
  t.equal(openaiSchemaErrors('CreateChatCompletionResponse', data), null)
  t.equal(data.choices[0]!.message.content, 'Hello! How can I help you today?')
  t.equal(data.choices[0]!.finish_reason, 'stop')
  t.same(data.usage, { prompt_tokens: 12, completion_tokens: 11, total_tokens: 23, prompt_tokens_details: { cached_tokens: 0 } })
  t.equal(response.headers.get('x-switchyard-provider'), 'claude')
  const sent = upstream.received.at(-1)!
  t.equal(sent.url, '/v1/messages')
  t.equal(sent.headers['x-api-key'], 'sk-ant-test-secret')
  t.equal(sent.headers.authorization, undefined)
  t.same(sent.body, { model: 'claude-text', messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }], max_tokens: 2048, system: 'Be brief.', temperature: 0.3, metadata: { user_id: 'alice' } })
})

t.test('cache read and creation tokens reach usage and cost', async (t) => {
  const { data, response } = await client.chat.completions.create({ model: 'claude-cached', messages }).withResponse()
  t.same(data.usage, { prompt_tokens: 2009, completion_tokens: 9, total_tokens: 2018, prompt_tokens_details: { cached_tokens: 1800 } })
  t.equal(Number(response.headers.get('x-switchyard-cost-usd')), (209 * 3 + 1800 * 0.3 + 9 * 15) / 1e6)
})

t.test('stream: every chunk OpenAI-valid, usage only when asked, [DONE] at the end', async (t) => {
  const collect = async (opts: object) => {
    const out = []
    for await (const c of await client.chat.completions.create({ model: 'claude-text', messages, stream: true, ...opts })) out.push(c)
    return out
  }
  const plain = await collect({})
  for (const c of plain) t.equal(openaiSchemaErrors('CreateChatCompletionStreamResponse', c), null)
  t.equal(plain.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Hello! How can I help you today?')
  t.equal(plain.at(-1)!.choices[0]!.finish_reason, 'stop')
  t.notOk(plain.some((c) => c.usage), 'no usage chunk unless asked')
  t.equal(upstream.received.at(-1)!.body.stream, true)

  const withUsage = await collect({ stream_options: { include_usage: true } })
  t.same(withUsage.at(-1)!.choices, [])
  t.same(withUsage.at(-1)!.usage, { prompt_tokens: 12, completion_tokens: 11, total_tokens: 23, prompt_tokens_details: { cached_tokens: 0 } })
  t.notOk('stream_options' in upstream.received.at(-1)!.body, 'stream_options is not forwarded')

  const raw = await (await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-text', messages, stream: true }) })).text()
  t.ok(raw.endsWith('data: [DONE]\n\n'))
})

for (const [model, expected] of [
  ['claude-tools', [['get_weather', { location: 'Paris, France', unit: 'celsius' }], ['get_time', { timezone: 'Europe/Paris' }]]],
  ['claude-tool', [['get_weather', { location: 'Paris, France', unit: 'celsius' }]]],
] as const) {
  t.test(`${model}: streamed tool calls reassemble to the same calls as non-streamed`, async (t) => {
    const plain = await client.chat.completions.create({ model, messages, tools, tool_choice: 'auto' })
    t.equal(openaiSchemaErrors('CreateChatCompletionResponse', plain), null)
    t.equal(plain.choices[0]!.finish_reason, 'tool_calls')
    const final = await client.chat.completions.stream({ model, messages, tools, tool_choice: 'auto' }).finalChatCompletion()
    const calls = (c: typeof plain) => c.choices[0]!.message.tool_calls!.map((tc) => tc.type === 'function' && [tc.id, tc.function.name, JSON.parse(tc.function.arguments)])
    t.same(calls(plain).map((c) => c && c.slice(1)), expected)
    t.same(calls(final), calls(plain), 'same ids, names and arguments')
    t.equal(final.choices[0]!.finish_reason, 'tool_calls')
    t.equal(final.choices[0]!.message.content ?? '', plain.choices[0]!.message.content ?? '')
    t.same(upstream.received.at(-1)!.body.tools, [
      { name: 'get_weather', description: 'Current weather', input_schema: tools[0]!.function.parameters },
      { name: 'get_time', input_schema: tools[1]!.function.parameters },
    ])
  })
}

t.test('tool results go back as native tool_result blocks in one user turn', async (t) => {
  const first = await client.chat.completions.create({ model: 'claude-tools', messages, tools })
  const assistant = first.choices[0]!.message
  const followUp: OpenAI.ChatCompletionMessageParam[] = [
    ...messages,
    { role: 'assistant', content: assistant.content, tool_calls: assistant.tool_calls! },
    { role: 'tool', tool_call_id: assistant.tool_calls![0]!.id, content: '{"temp":18}' },
    { role: 'tool', tool_call_id: assistant.tool_calls![1]!.id, content: '14:05' },
  ]
  const res = await client.chat.completions.create({ model: 'claude-text', messages: followUp, tools })
  t.equal(res.choices[0]!.message.content, 'Hello! How can I help you today?')
  const sent = upstream.received.at(-1)!.body
  t.same(sent.messages.slice(1), [
    { role: 'assistant', content: [
      { type: 'tool_use', id: 'toolu_01WeatherParis00000001', name: 'get_weather', input: { location: 'Paris, France', unit: 'celsius' } },
      { type: 'tool_use', id: 'toolu_01TimeParis000000000002', name: 'get_time', input: { timezone: 'Europe/Paris' } },
    ] },
    { role: 'user', content: [
      { type: 'tool_result', tool_use_id: 'toolu_01WeatherParis00000001', content: '{"temp":18}' },
      { type: 'tool_result', tool_use_id: 'toolu_01TimeParis000000000002', content: '14:05' },
    ] },
  ])
})

t.test('response_format json_schema answers JSON content, streamed and not', async (t) => {
  const response_format = { type: 'json_schema' as const, json_schema: { name: 'city', schema: { type: 'object', properties: { city: { type: 'string' }, population: { type: 'integer' } } } } }
  const plain = await client.chat.completions.create({ model: 'claude-json', messages, response_format })
  t.same(JSON.parse(plain.choices[0]!.message.content!), { city: 'Paris', population: 2102650 })
  t.equal(plain.choices[0]!.finish_reason, 'stop')
  t.same(upstream.received.at(-1)!.body.tool_choice, { type: 'tool', name: 'switchyard_json_response', disable_parallel_tool_use: true })
  const final = await client.chat.completions.stream({ model: 'claude-json', messages, response_format }).finalChatCompletion()
  t.same(JSON.parse(final.choices[0]!.message.content!), { city: 'Paris', population: 2102650 })
})

t.test('a provider error mid-stream reaches the client as an error event before the end', async (t) => {
  const seen: string[] = []
  const err = await (async () => {
    for await (const c of await client.chat.completions.create({ model: 'claude-midway', messages, stream: true })) seen.push(c.choices[0]?.delta.content ?? '')
  })().catch((e) => e)
  t.ok(err instanceof OpenAI.APIError, 'the SDK raises')
  t.match(String(err.message), /Overloaded/)
  t.equal(seen.join(''), 'Partial')
  const raw = await (await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-truncated', messages, stream: true }) })).text()
  t.match(raw, /"error":\{"message":"claude: the upstream stream ended before the answer was complete/)
  t.notMatch(raw, /\[DONE\]/)
})

t.test('HTTP errors: statuses the client and the resilience layer understand', async (t) => {
  const cases: Array<[string, number, RegExp, number]> = [
    ['claude-invalid', 400, /roles must alternate/, 1],
    ['claude-ratelimited', 429, /rate limit/, 2],
    ['claude-overloaded', 503, /Overloaded/, 2],
  ]
  for (const [model, status, message, attempts] of cases) {
    const before = upstream.received.length
    const err = await client.chat.completions.create({ model, messages }).catch((e) => e)
    t.ok(err instanceof OpenAI.APIError, model)
    t.equal(err.status, status, model)
    t.match(err.message, message, model)
    t.equal(upstream.received.length - before, attempts, `${model}: ${attempts} upstream attempt(s)`)
    t.equal(openaiSchemaErrors('ErrorResponse', err.error ? { error: err.error } : null), null)
  }
})

t.test('every request the fake received is one the real API accepts', async (t) => {
  t.ok(upstream.received.length > 10)
  for (const r of upstream.received) t.equal(anthropicRequestError(r), null, JSON.stringify(r.body).slice(0, 120))
})
