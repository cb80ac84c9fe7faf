import t from 'tap'
import { chatRequest, toAnthropicRequest } from '../../../../src/providers/anthropic/request.js'
import { GatewayError } from '../../../../src/errors/gateway-error.js'
import type { ChatRequest } from '../../../../src/call/chat.js'
import { testContext } from '../../../helpers/provider-harness.js'

const ctx = testContext('anthropic', { model: 'claude-sonnet-4-5' })
const user = (content: ChatRequest['messages'][number]['content']) => ({ role: 'user' as const, content }) as ChatRequest['messages'][number]

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } }

const cases: Array<{ name: string; req: Partial<ChatRequest>; expect: Record<string, unknown> }> = [
  {
    name: 'system and developer messages join `system`; max_tokens defaults to 4096',
    req: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] }, user('Hi')] },
    expect: { model: 'claude-sonnet-4-5', system: 'Be brief.\n\nAnswer in French.', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] },
  },
  {
    name: 'consecutive same-role turns are merged',
    req: { messages: [user('a'), user('b'), { role: 'assistant', content: 'c' }, { role: 'assistant', content: 'd' }, user('e')] },
    expect: { messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, { role: 'assistant', content: [{ type: 'text', text: 'c' }, { type: 'text', text: 'd' }] }, { role: 'user', content: [{ type: 'text', text: 'e' }] }] },
  },
  {
    name: 'images: data URLs become base64 sources, http URLs url sources',
    req: { messages: [user([{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } }])] },
    expect: { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } }] }] },
  },
  {
    name: 'max_completion_tokens wins over max_tokens; stop string becomes stop_sequences; temperature, top_p, user',
    req: { messages: [user('x')], max_tokens: 10, max_completion_tokens: 20, stop: 'END', temperature: 0.2, top_p: 0.9, user: 'u-42' },
    expect: { max_tokens: 20, stop_sequences: ['END'], temperature: 0.2, top_p: 0.9, metadata: { user_id: 'u-42' } },
  },
  {
    name: 'tools with tool_choice auto; parallel_tool_calls false disables parallel use',
    req: { messages: [user('x')], tools: [weather], tool_choice: 'auto', parallel_tool_calls: false },
    expect: { tools: [{ name: 'get_weather', description: 'Weather now', input_schema: weather.function.parameters }], tool_choice: { type: 'auto', disable_parallel_tool_use: true } },
  },
  { name: 'tool_choice required -> any', req: { messages: [user('x')], tools: [weather], tool_choice: 'required' }, expect: { tool_choice: { type: 'any' } } },
  { name: 'tool_choice none -> none', req: { messages: [user('x')], tools: [weather], tool_choice: 'none' }, expect: { tool_choice: { type: 'none' } } },
  { name: 'named tool_choice -> tool', req: { messages: [user('x')], tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } }, expect: { tool_choice: { type: 'tool', name: 'get_weather' } } },
  {
    name: 'a tool without parameters gets an empty object schema',
    req: { messages: [user('x')], tools: [{ type: 'function', function: { name: 'ping' } }] },
    expect: { tools: [{ name: 'ping', input_schema: { type: 'object', properties: {} } }] },
  },
  {
    name: 'assistant tool_calls -> tool_use; consecutive tool results merge into one user turn, then the user text',
    req: {
      messages: [
        user('Weather and time in Paris?'),
        { role: 'assistant', content: null, tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } },
        ] },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18C, cloudy' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '14:05' }] },
        user('Thanks, and tomorrow?'),
      ],
    },
    expect: {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather and time in Paris?' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }, { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: { timezone: 'Europe/Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C, cloudy' }, { type: 'tool_result', tool_use_id: 'toolu_2', content: '14:05' }, { type: 'text', text: 'Thanks, and tomorrow?' }] },
      ],
    },
  },
  {
    name: 'response_format json_schema -> forced reserved tool',
    req: { messages: [user('x')], response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } } } } } },
    expect: {
      tools: [{ name: 'switchyard_json_response', description: 'Give your answer as JSON matching the "city" schema.', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'tool', name: 'switchyard_json_response', disable_parallel_tool_use: true },
    },
  },
  {
    name: 'a non-object json_schema root is wrapped in `value`',
    req: { messages: [user('x')], response_format: { type: 'json_schema', json_schema: { name: 'list', schema: { type: 'array', items: { type: 'string' } } } } },
    expect: { tools: [{ name: 'switchyard_json_value', description: 'Give your answer as JSON matching the "list" schema.', input_schema: { type: 'object', properties: { value: { type: 'array', items: { type: 'string' } } }, required: ['value'] } }] },
  },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const body = toAnthropicRequest({ model: 'smart', ...c.req } as ChatRequest, ctx) as unknown as Record<string, unknown>
    t.match(body, c.expect)
    for (const [k, v] of Object.entries(c.expect)) t.same(body[k], v, k)
  })
}

t.test('OpenAI-only fields are never forwarded', async (t) => {
  const body = toAnthropicRequest({
    model: 'smart', messages: [user('x')], presence_penalty: 1, frequency_penalty: 1, seed: 7, logprobs: true, top_logprobs: 2, n: 1,
    metadata: { a: 'b' }, stream_options: { include_usage: true }, reasoning_effort: 'low', response_format: { type: 'text' }, top_k: 5,
  } as ChatRequest, ctx)
  t.same(Object.keys(body).sort(), ['max_tokens', 'messages', 'model'])
})

t.test('default_max_tokens from config; stream flag; headers and URL', async (t) => {
  const sctx = testContext('anthropic', { stream: true, model: 'claude-haiku-4-5', config: { default_max_tokens: 1234, base_url: 'https://proxy.example.com/anthropic', headers: { 'x-team': 'a' } } })
  const up = chatRequest({ model: 'smart', messages: [user('x')] } as ChatRequest, sctx)
  t.equal(up.origin, 'https://proxy.example.com')
  t.equal(up.path, '/anthropic/v1/messages')
  t.equal(up.headers['x-api-key'], 'sk-provider-secret')
  t.equal(up.headers['anthropic-version'], '2023-06-01')
  t.equal(up.headers['x-team'], 'a')
  t.notOk('authorization' in up.headers)
  const body = JSON.parse(up.body!)
  t.equal(body.max_tokens, 1234)
  t.equal(chatRequest({ model: 'smart', messages: [user('x')] } as ChatRequest, testContext('anthropic', { config: { base_url: 'https://api.anthropic.com/v1' } })).path, '/v1/messages', 'a base URL ending in /v1 is not doubled')
  t.equal(chatRequest({ model: 'smart', messages: [user('x')] } as ChatRequest, ctx).origin, 'https://api.anthropic.com')
  t.equal(body.stream, true)
})

t.test('unsupported inputs are clear 400s naming the param', async (t) => {
  const bad: Array<[string, Partial<ChatRequest>, string]> = [
    ['n > 1', { messages: [user('x')], n: 2 }, 'n'],
    ['audio', { messages: [user([{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }])] }, 'messages[0].content[0]'],
    ['bad tool arguments', { messages: [user('x'), { role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{not json' } }] }] }, 'messages[1].tool_calls[0].function.arguments'],
    ['reserved tool name', { messages: [user('x')], tools: [{ type: 'function', function: { name: 'switchyard_json_response' } }] }, 'tools[0].function.name'],
    ['ftp image', { messages: [user([{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }])] }, 'messages[0].content[0].image_url.url'],
  ]
  for (const [name, req, param] of bad) {
    const err = (() => { try { toAnthropicRequest({ model: 'm', ...req } as ChatRequest, ctx) } catch (e) { return e } })() as GatewayError
    t.ok(err instanceof GatewayError, name)
    t.equal(err.status, 400, name)
    t.equal(err.param, param, name)
  }
})
