import t from 'tap'
import { anthropicAdapter } from '../../../../src/providers/anthropic/index.js'
import { fixtureJson, fixtureText } from '../../../helpers/fixtures.js'
import { openaiSchemaErrors } from '../../../helpers/openai-schemas.js'
import { chunksOf, reassemble, runStream, testContext } from '../../../helpers/provider-harness.js'

const ctx = testContext('anthropic', { model: 'claude-sonnet-4-5' })
const sctx = testContext('anthropic', { model: 'claude-sonnet-4-5', stream: true })

const usage = (prompt: number, completion: number, cached: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } })

/** Each pair: the non-streamed and streamed fixture of one answer, and what the client must see from both. */
const cases = [
  { name: 'text', res: 'chat-text.res.json', sse: 'stream-text.sse', content: 'Hello! How can I help you today?', finish: 'stop', tools: [], usage: usage(12, 11, 0) },
  { name: 'cache read and creation count as prompt tokens', res: 'chat-cached.res.json', sse: 'stream-cached.sse', content: 'Using the cached context: yes.', finish: 'stop', tools: [], usage: usage(21 + 1800 + 188, 9, 1800) },
  {
    name: 'text then a tool call', res: 'chat-tool-call.res.json', sse: 'stream-tool-call.sse', content: "I'll check the weather in Paris for you.", finish: 'tool_calls',
    tools: [['toolu_01A09q90qw90lq917835lq9', 'get_weather', { location: 'Paris, France', unit: 'celsius' }]], usage: usage(384, 74, 0),
  },
  {
    name: 'parallel tool calls', res: 'chat-tool-calls-parallel.res.json', sse: 'stream-tool-calls-parallel.sse', content: null, finish: 'tool_calls',
    tools: [['toolu_01WeatherParis00000001', 'get_weather', { location: 'Paris, France', unit: 'celsius' }], ['toolu_01TimeParis000000000002', 'get_time', { timezone: 'Europe/Paris' }]], usage: usage(420, 96, 0),
  },
  { name: 'forced JSON tool becomes content', res: 'chat-json.res.json', sse: 'stream-json.sse', content: '{"city":"Paris","population":2102650}', finish: 'stop', tools: [], usage: usage(101, 30, 0) },
  { name: 'thinking is dropped; max_tokens -> length', res: 'chat-thinking.res.json', sse: 'stream-thinking.sse', content: '42.', finish: 'length', tools: [], usage: usage(30, 64, 0) },
] as const

for (const c of cases) {
  t.test(`non-streamed: ${c.name}`, async (t) => {
    const { value, text } = anthropicAdapter.chatResponse(JSON.stringify(fixtureJson('anthropic', c.res)), ctx)
    t.equal(openaiSchemaErrors('CreateChatCompletionResponse', JSON.parse(text)), null)
    const choice = value.choices[0]!
    t.equal(choice.message.content, c.content)
    t.equal(choice.finish_reason, c.finish)
    t.same((choice.message.tool_calls ?? []).map((tc) => [tc.id, tc.function.name, JSON.parse(tc.function.arguments)]), c.tools)
    t.same(value.usage, c.usage)
    t.equal(value.created, 1_700_000_000)
  })

  t.test(`streamed: ${c.name}`, async (t) => {
    const { outs, complete } = runStream(anthropicAdapter.createChatStream(sctx), fixtureText('anthropic', c.sse))
    t.ok(complete, 'message_stop completes the stream')
    t.notOk(outs.some((o) => o.kind === 'error'))
    const chunks = chunksOf(outs)
    for (const ch of chunks) t.equal(openaiSchemaErrors('CreateChatCompletionStreamResponse', ch), null)
    t.same(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' }, 'first chunk carries the role')
    const last = chunks.at(-1)!
    t.same(last.choices, [], 'usage chunk has no choices')
    t.same(last.usage, c.usage)
    const [acc] = reassemble(chunks)
    if (c.name.includes('JSON')) t.same(JSON.parse(acc!.content), JSON.parse(c.content!), 'same JSON (whitespace may differ)')
    else t.equal(acc!.content, c.content ?? '')
    t.equal(acc!.finish, c.finish)
    t.same(acc!.tools.map((tc) => [tc.id, tc.name, JSON.parse(tc.arguments)]), c.tools, 'same tool calls as non-streamed')
    t.equal(new Set(chunks.map((ch) => ch.id)).size, 1, 'one id for the whole stream')
  })
}

t.test('tool call arguments stream incrementally, header first', async (t) => {
  const chunks = chunksOf(runStream(anthropicAdapter.createChatStream(sctx), fixtureText('anthropic', 'stream-tool-calls-parallel.sse')).outs)
  const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
  t.same(deltas[0], { index: 0, id: 'toolu_01WeatherParis00000001', type: 'function', function: { name: 'get_weather', arguments: '' } })
  t.same(deltas.filter((d) => d.index === 0).slice(1).map((d) => d.function?.arguments), ['{"locat', 'ion": "Paris, France", ', '"unit": "celsius"}'])
  t.notOk(deltas.slice(1).some((d) => d.id !== undefined && d.index === 0), 'id only once')
})

t.test('a mid-stream error event becomes an error output after the partial text', async (t) => {
  const { outs, complete } = runStream(anthropicAdapter.createChatStream(sctx), fixtureText('anthropic', 'stream-error-midway.sse'))
  t.notOk(complete)
  const last = outs.at(-1)!
  t.equal(last.kind, 'error')
  if (last.kind === 'error') {
    t.equal(last.error.code, 'upstream_unavailable', 'overloaded_error is classified like HTTP 529')
    t.match(last.error.message, /Overloaded/)
  }
  t.equal(reassemble(chunksOf(outs))[0]!.content, 'Partial')
})

t.test('a stream without message_stop is not complete', async (t) => {
  const { outs, complete } = runStream(anthropicAdapter.createChatStream(sctx), fixtureText('anthropic', 'stream-truncated.sse'))
  t.notOk(complete)
  t.notOk(outs.some((o) => o.kind === 'chunk' && o.chunk.usage), 'no usage chunk before the end')
})

t.test('HTTP errors keep Anthropic message and classify by status', async (t) => {
  const table: Array<[number, string, number, boolean]> = [
    [400, 'invalid_request', 400, false],
    [401, 'upstream_error', 502, false],
    [403, 'upstream_error', 502, false],
    [404, 'model_not_found', 404, false],
    [413, 'request_too_large', 413, false],
    [429, 'rate_limit_exceeded', 429, true],
    [500, 'upstream_error', 502, true],
    [529, 'upstream_unavailable', 503, true],
  ]
  for (const [status, code, clientStatus, retryable] of table) {
    const body = fixtureJson('anthropic', `error-${status}.res.json`)
    const err = anthropicAdapter.mapError(status, body, { 'retry-after': '2' }, ctx)
    t.equal(err.code, code, `${status} code`)
    t.equal(err.status, clientStatus, `${status} client status`)
    t.equal(err.retryable, retryable, `${status} retryable`)
    t.equal(err.upstreamStatus, status)
    if (status !== 401 && status !== 403) t.ok(err.message.includes(body.error.message), `${status} keeps the provider message`)
    t.notMatch(err.message, /sk-provider-secret/)
  }
  const plain = anthropicAdapter.mapError(502, '<html>bad gateway</html>', {}, ctx)
  t.equal(plain.code, 'upstream_error')
})
