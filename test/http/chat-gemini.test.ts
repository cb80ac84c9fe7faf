import t from 'tap'
import OpenAI from 'openai'
import { hashKey } from '../../src/identity/authenticator.js'
import { fakeGemini, geminiRequestError } from '../helpers/fake-gemini.js'
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { openaiSchemaErrors } from '../helpers/openai-schemas.js'
import { fixtureJson } from '../helpers/fixtures.js'

const CLIENT_KEY = 'sk-sy-gemini-e2e-client-key'

/** The model name picks the fixture pair the fake Gemini serves. */
const scenarios: Record<string, { json?: string; sse?: string; status?: number }> = {
  'gemini-text': { json: 'chat-text.res.json', sse: 'stream-text.sse' },
  'gemini-tools': { json: 'chat-tool-calls-parallel.res.json', sse: 'stream-tool-calls-parallel.sse' },
  'gemini-tool': { json: 'chat-tool-call.res.json', sse: 'stream-tool-call.sse' },
  'gemini-json': { json: 'chat-json.res.json', sse: 'stream-json.sse' },
  'gemini-cached': { json: 'chat-cached.res.json', sse: 'stream-cached.sse' },
  'gemini-midway': { sse: 'stream-error-midway.sse' },
  'gemini-truncated': { sse: 'stream-truncated.sse' },
  'gemini-busy': { status: 503, json: 'error-503.res.json' },
  'gemini-quota': { status: 429, json: 'error-429.res.json' },
  'gemini-badkey': { status: 400, json: 'error-400-key.res.json' },
}

let upstream: FakeUpstream
let gw: TestGateway
let client: OpenAI

t.before(async () => {
  upstream = await startFakeUpstream(
    fakeGemini((model, method) => {
      const s = scenarios[model]!
      return s.status ? { status: s.status, json: s.json! } : method === 'streamGenerateContent' ? { sse: s.sse! } : { json: s.json! }
    }),
  )
  const models = Object.fromEntries(Object.keys(scenarios).map((m) => [m, { targets: [{ provider: 'google', model: m }] }]))
  gw = await startGateway(
    {
      providers: { google: { type: 'gemini', base_url: upstream.url, api_key_env: 'TEST_GEMINI_KEY' } },
      models,
      pricing: { 'google/gemini-text': { input: 0.3, output: 2.5 } },
      resilience: { max_attempts: 2, backoff_base_ms: 1, backoff_max_ms: 5 },
      auth: { anonymous_team: 'demo' },
      teams: { demo: { keys: [{ name: 'sdk', sha256: hashKey(CLIENT_KEY) }] } },
    },
    {},
    { env: { TEST_GEMINI_KEY: 'gemini-test-secret' } },
  )
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 })
})
t.teardown(async () => {
  await gw?.close()
  await upstream?.close()
})

const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Say hello' }]
const tools = [
  { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit', null] } }, required: ['location'], additionalProperties: false } } },
  { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } } },
]

t.test('create: OpenAI-valid completion with text, finish_reason and usage (thoughts included); native request', async (t) => {
  const { data, response } = await client.chat.completions.create({ model: 'gemini-text', messages, temperature: 0.4, max_tokens: 64, user: 'alice' }).withResponse()
  t.equal(openaiSchemaErrors('CreateChatCompletionResponse', data), null)
  t.equal(data.choices[0]!.message.content, 'Hello! How can I help you today?')
  t.equal(data.choices[0]!.finish_reason, 'stop')
  t.same(data.usage, { prompt_tokens: 8, completion_tokens: 30, total_tokens: 38, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 21 } })
  t.equal(response.headers.get('x-switchyard-cost-usd'), ((8 * 0.3 + 30 * 2.5) / 1e6).toFixed(8), 'thoughts billed as output')
  const sent = upstream.received.at(-1)!
  t.equal(sent.url, '/v1beta/models/gemini-text:generateContent')
  t.equal(sent.headers['x-goog-api-key'], 'gemini-test-secret')
  t.same(sent.body, { contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] }, generationConfig: { temperature: 0.4, maxOutputTokens: 64 } })
})

t.test('cached content tokens reach usage', async (t) => {
  const data = await client.chat.completions.create({ model: 'gemini-cached', messages })
  t.same(data.usage?.prompt_tokens_details, { cached_tokens: 1800 })
  t.equal(data.usage?.prompt_tokens, 2009)
})

t.test('stream over CRLF-framed SSE: OpenAI-valid chunks, usage when asked, [DONE]', async (t) => {
  const out = []
  for await (const c of await client.chat.completions.create({ model: 'gemini-text', messages, stream: true, stream_options: { include_usage: true } })) out.push(c)
  t.equal(upstream.received.at(-1)!.url, '/v1beta/models/gemini-text:streamGenerateContent?alt=sse')
  for (const c of out) t.equal(openaiSchemaErrors('CreateChatCompletionStreamResponse', c), null)
  t.equal(out.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Hello! How can I help you today?')
  t.equal(out.at(-2)!.choices[0]!.finish_reason, 'stop')
  t.same(out.at(-1)!.usage?.completion_tokens_details, { reasoning_tokens: 21 })

  const plain = []
  for await (const c of await client.chat.completions.create({ model: 'gemini-text', messages, stream: true })) plain.push(c)
  t.notOk(plain.some((c) => c.usage), 'no usage chunk unless asked')
})

for (const [model, expected] of [
  ['gemini-tools', [['get_weather', { location: 'Paris, France', unit: 'celsius' }], ['get_time', { timezone: 'Europe/Paris' }]]],
  ['gemini-tool', [['get_weather', { location: 'Paris, France', unit: 'celsius' }]]],
] as const) {
  t.test(`${model}: streamed tool calls reassemble to the same calls as non-streamed`, async (t) => {
    const plain = await client.chat.completions.create({ model, messages, tools, tool_choice: 'auto' })
    t.equal(openaiSchemaErrors('CreateChatCompletionResponse', plain), null)
    t.equal(plain.choices[0]!.finish_reason, 'tool_calls')
    const final = await client.chat.completions.stream({ model, messages, tools, tool_choice: 'auto' }).finalChatCompletion()
    const calls = (c: typeof plain) => c.choices[0]!.message.tool_calls!.map((tc) => tc.type === 'function' && [tc.function.name, JSON.parse(tc.function.arguments)])
    t.same(calls(plain), expected)
    t.same(calls(final), expected)
    t.equal(final.choices[0]!.finish_reason, 'tool_calls')
    t.same(upstream.received.at(-1)!.body.tools, [{ functionDeclarations: [
      { name: 'get_weather', description: 'Current weather', parameters: { type: 'OBJECT', properties: { location: { type: 'STRING' }, unit: { type: 'STRING', nullable: true, enum: ['celsius', 'fahrenheit'] } }, required: ['location'] } },
      { name: 'get_time', parameters: { type: 'OBJECT', properties: { timezone: { type: 'STRING' } } } },
    ] }])
    t.same(upstream.received.at(-1)!.body.toolConfig, { functionCallingConfig: { mode: 'AUTO' } })
  })
}

t.test('tool results go back as functionResponse parts named after the calls', async (t) => {
  const first = await client.chat.completions.create({ model: 'gemini-tools', messages, tools })
  const assistant = first.choices[0]!.message
  const res = await client.chat.completions.create({
    model: 'gemini-text',
    tools,
    messages: [
      ...messages,
      { role: 'assistant', content: assistant.content, tool_calls: assistant.tool_calls! },
      { role: 'tool', tool_call_id: assistant.tool_calls![0]!.id, content: '{"temp":18}' },
      { role: 'tool', tool_call_id: assistant.tool_calls![1]!.id, content: '14:05' },
    ],
  })
  t.equal(res.choices[0]!.message.content, 'Hello! How can I help you today?')
  t.same(upstream.received.at(-1)!.body.contents.slice(1), [
    { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris, France', unit: 'celsius' } }, thoughtSignature: fixtureJson('gemini', 'chat-tool-calls-parallel.res.json').candidates[0].content.parts[0].thoughtSignature }, { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 18 } } }, { functionResponse: { name: 'get_time', response: { output: '14:05' } } }] },
  ])
})

t.test('response_format json_schema -> responseSchema; JSON content back', async (t) => {
  const response_format = { type: 'json_schema' as const, json_schema: { name: 'city', strict: true, schema: { type: 'object', properties: { city: { type: 'string' }, population: { type: 'integer' } }, required: ['city', 'population'], additionalProperties: false } } }
  const res = await client.chat.completions.create({ model: 'gemini-json', messages, response_format })
  t.same(JSON.parse(res.choices[0]!.message.content!), { city: 'Paris', population: 2102650 })
  t.same(upstream.received.at(-1)!.body.generationConfig, { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { city: { type: 'STRING' }, population: { type: 'INTEGER' } }, required: ['city', 'population'] } })
})

t.test('a schema Gemini cannot express is refused before any upstream call, naming the keyword', async (t) => {
  const before = upstream.received.length
  const err = await client.chat.completions.create({ model: 'gemini-text', messages, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { q: { type: 'string', not: { const: '' } } } } } }] }).catch((e) => e)
  t.equal(err.status, 400)
  t.match(err.message, /properties\.q\.not/)
  t.equal(err.param, 'tools[0].function.parameters')
  t.equal(upstream.received.length, before)
})

t.test('a provider error mid-stream reaches the client as an error event before the end', async (t) => {
  const seen: string[] = []
  const err = await (async () => {
    for await (const c of await client.chat.completions.create({ model: 'gemini-midway', messages, stream: true })) seen.push(c.choices[0]?.delta.content ?? '')
  })().catch((e) => e)
  t.ok(err instanceof OpenAI.APIError, 'the SDK raises')
  t.match(String(err.message), /overloaded/)
  t.equal(seen.join(''), 'Partial')
  const raw = await (await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gemini-truncated', messages, stream: true }) })).text()
  t.match(raw, /ended before the answer was complete/)
  t.notMatch(raw, /\[DONE\]/)
})

t.test('HTTP errors map to statuses the client and the resilience layer understand', async (t) => {
  const cases: Array<[string, number, RegExp, number]> = [
    ['gemini-busy', 503, /overloaded/, 2],
    ['gemini-quota', 429, /quota/, 2],
    ['gemini-badkey', 502, /refused the gateway's credentials/, 1],
  ]
  for (const [model, status, message, attempts] of cases) {
    const before = upstream.received.length
    const err = await client.chat.completions.create({ model, messages }).catch((e) => e)
    t.equal(err.status, status, model)
    t.match(err.message, message, model)
    t.notMatch(err.message, /gemini-test-secret/)
    t.equal(upstream.received.length - before, attempts, `${model}: attempts`)
  }
})

t.test('every request the fake received is one the real API accepts', async (t) => {
  t.ok(upstream.received.length > 10)
  for (const r of upstream.received) t.equal(geminiRequestError(r), null, `${r.url} ${JSON.stringify(r.body).slice(0, 100)}`)
})
