import t from 'tap'
import { GatewayError } from '../../../../src/errors/gateway-error.js'
import { chatRequest, toGeminiRequest } from '../../../../src/providers/gemini/request.js'
import { geminiAdapter } from '../../../../src/providers/gemini/index.js'
import type { ChatRequest } from '../../../../src/call/chat.js'
import type { EmbeddingsRequest } from '../../../../src/call/embeddings.js'
import { testContext } from '../../../helpers/provider-harness.js'

const user = (content: unknown) => ({ role: 'user', content }) as ChatRequest['messages'][number]
const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false } } }

const cases: Array<{ name: string; req: Partial<ChatRequest>; expect: Record<string, unknown> }> = [
  {
    name: 'system -> systemInstruction; assistant -> model; same roles merged',
    req: { messages: [{ role: 'system', content: 'Be brief.' }, user('a'), user('b'), { role: 'assistant', content: 'c' }, user('d')] },
    expect: { systemInstruction: { parts: [{ text: 'Be brief.' }] }, contents: [{ role: 'user', parts: [{ text: 'a' }, { text: 'b' }] }, { role: 'model', parts: [{ text: 'c' }] }, { role: 'user', parts: [{ text: 'd' }] }] },
  },
  {
    name: 'images: data URL -> inlineData, http URL -> fileData',
    req: { messages: [user([{ type: 'text', text: 'What?' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }])] },
    expect: { contents: [{ role: 'user', parts: [{ text: 'What?' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }, { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/a.png' } }] }] },
  },
  {
    name: 'tools -> functionDeclarations with converted schema; tool_choice required -> ANY',
    req: { messages: [user('x')], tools: [weather, { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }], tool_choice: 'required' },
    expect: {
      tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather now', parameters: { type: 'OBJECT', properties: { location: { type: 'STRING' } }, required: ['location'] } }, { name: 'now' }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    },
  },
  { name: 'named tool_choice -> ANY with allowedFunctionNames', req: { messages: [user('x')], tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }, expect: { toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } } } },
  { name: 'tool_choice none -> NONE', req: { messages: [user('x')], tools: [weather], tool_choice: 'none' }, expect: { toolConfig: { functionCallingConfig: { mode: 'NONE' } } } },
  {
    name: 'tool calls and results: functionCall parts, functionResponse named from the assistant call',
    req: {
      messages: [
        user('Weather and time?'),
        { role: 'assistant', content: null, tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":18}' },
        { role: 'tool', tool_call_id: 'call_2', content: '14:05' },
      ],
    },
    expect: {
      contents: [
        { role: 'user', parts: [{ text: 'Weather and time?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 18 } } }, { functionResponse: { name: 'get_time', response: { output: '14:05' } } }] },
      ],
    },
  },
  {
    name: 'generationConfig mapping',
    req: { messages: [user('x')], temperature: 0.5, top_p: 0.8, max_tokens: 100, stop: ['END'], n: 2, presence_penalty: 0.1, frequency_penalty: 0.2, seed: 7 },
    expect: { generationConfig: { temperature: 0.5, topP: 0.8, maxOutputTokens: 100, stopSequences: ['END'], candidateCount: 2, presencePenalty: 0.1, frequencyPenalty: 0.2, seed: 7 } },
  },
  {
    name: 'response_format json_schema -> responseMimeType + responseSchema',
    req: { messages: [user('x')], response_format: { type: 'json_schema', json_schema: { name: 'city', strict: true, schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } } } },
    expect: { generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } } },
  },
  { name: 'json_object -> responseMimeType', req: { messages: [user('x')], response_format: { type: 'json_object' } }, expect: { generationConfig: { responseMimeType: 'application/json' } } },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const body = toGeminiRequest({ model: 'm', ...c.req } as ChatRequest) as unknown as Record<string, unknown>
    for (const [k, v] of Object.entries(c.expect)) t.same(body[k], v, k)
  })
}

t.test('thought signatures ride in tool call ids and go back on the functionCall part', async (t) => {
  const history = (ids: string[]) => ({
    model: 'm',
    messages: [user('x'), { role: 'assistant', content: null, tool_calls: ids.map((id, i) => ({ id, type: 'function', function: { name: `f${i}`, arguments: '{}' } })) }, ...ids.map((id) => ({ role: 'tool', tool_call_id: id, content: 'ok' }))],
  }) as ChatRequest
  const model = (req: ChatRequest, name: string) => toGeminiRequest(req, name).contents[1]!.parts.map((p) => p.thoughtSignature ?? null)
  t.same(model(history(['call_a~sig~CiQBabc=', 'call_b']), 'gemini-3-pro-preview'), ['CiQBabc=', null], 'the original signature is restored')
  t.same(model(history(['toolu_1', 'toolu_2']), 'gemini-3-flash'), ['skip_thought_signature_validator', null], 'calls from another model get the documented placeholder on Gemini 3')
  t.same(model(history(['toolu_1']), 'gemini-2.5-flash'), [null], 'older models get nothing')
  const viaExtra = { ...history(['call_x']), messages: history(['call_x']).messages.map((m) => (m.role === 'assistant' ? { ...m, tool_calls: m.tool_calls!.map((c) => ({ ...c, extra_content: { google: { thought_signature: 'EXTRA=' } } })) } : m)) } as ChatRequest
  t.same(model(viaExtra, 'gemini-3-pro'), ['EXTRA='], "Google's own extra_content.google.thought_signature is honoured too")
})

t.test('OpenAI-only fields are not forwarded', async (t) => {
  const body = toGeminiRequest({ model: 'm', messages: [user('x')], user: 'u', metadata: { a: 'b' }, logprobs: true, parallel_tool_calls: false, reasoning_effort: 'low', stream_options: { include_usage: true }, top_k: 3 } as ChatRequest)
  t.same(Object.keys(body), ['contents'])
})

t.test('URLs, key header; CRLF-safe streaming endpoint', async (t) => {
  const plain = chatRequest({ model: 'm', messages: [user('x')] } as ChatRequest, testContext('gemini', { model: 'gemini-2.5-flash' }))
  t.equal(plain.origin, 'https://generativelanguage.googleapis.com')
  t.equal(plain.path, '/v1beta/models/gemini-2.5-flash:generateContent')
  t.equal(plain.headers['x-goog-api-key'], 'sk-provider-secret')
  t.notOk(plain.path.includes('key='), 'the key never goes in the URL')
  const s = chatRequest({ model: 'm', messages: [user('x')] } as ChatRequest, testContext('gemini', { stream: true, model: 'models/gemini-2.5-pro', config: { base_url: 'https://gw.example.com/google/v1beta' } }))
  t.equal(s.origin, 'https://gw.example.com')
  t.equal(s.path, '/google/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse')
})

t.test('embeddings: one string -> embedContent, a list -> batchEmbedContents', async (t) => {
  const ctx = testContext('gemini', { model: 'gemini-embedding-001' })
  const one = geminiAdapter.embeddingsRequest!({ model: 'e', input: 'hello', dimensions: 256 } as EmbeddingsRequest, ctx)
  t.equal(one.path, '/v1beta/models/gemini-embedding-001:embedContent')
  t.same(JSON.parse(one.body!), { content: { parts: [{ text: 'hello' }] }, outputDimensionality: 256 })
  const many = geminiAdapter.embeddingsRequest!({ model: 'e', input: ['a', 'b'] } as EmbeddingsRequest, ctx)
  t.equal(many.path, '/v1beta/models/gemini-embedding-001:batchEmbedContents')
  t.same(JSON.parse(many.body!), { requests: [{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] } }, { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'b' }] } }] })
  t.throws(() => geminiAdapter.embeddingsRequest!({ model: 'e', input: [1, 2, 3] } as EmbeddingsRequest, ctx), { param: 'input' } as unknown as Error)
})

t.test('a tool result whose call is unknown is a 400 naming the message', async (t) => {
  const err = (() => { try { toGeminiRequest({ model: 'm', messages: [user('x'), { role: 'tool', tool_call_id: 'nope', content: 'r' }] } as ChatRequest) } catch (e) { return e } })() as GatewayError
  t.ok(err instanceof GatewayError)
  t.equal(err.param, 'messages[1].tool_call_id')
})

t.test('an unconvertible tool schema names the tool and keyword', async (t) => {
  const tools = [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object', properties: { q: { not: { type: 'null' } } } } } }]
  t.throws(() => toGeminiRequest({ model: 'm', messages: [user('x')], tools } as ChatRequest), { param: 'tools[0].function.parameters', message: /properties\.q\.not/ } as unknown as Error)
})
