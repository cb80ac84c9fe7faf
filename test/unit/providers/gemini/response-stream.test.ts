import t from 'tap'
import { geminiAdapter } from '../../../../src/providers/gemini/index.js'
import { fixtureJson, fixtureText } from '../../../helpers/fixtures.js'
import { openaiSchemaErrors } from '../../../helpers/openai-schemas.js'
import { chunksOf, reassemble, runStream, testContext } from '../../../helpers/provider-harness.js'

const ctx = () => testContext('gemini', { model: 'gemini-2.5-flash' })
const sctx = () => testContext('gemini', { model: 'gemini-2.5-flash', stream: true })
const usage = (prompt: number, completion: number, cached: number, reasoning: number) => ({
  prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: cached }, completion_tokens_details: { reasoning_tokens: reasoning },
})

const cases = [
  { name: 'text (thoughts count as completion and reasoning)', res: 'chat-text.res.json', sse: 'stream-text.sse', content: 'Hello! How can I help you today?', finish: 'stop', tools: [], usage: usage(8, 30, 0, 21) },
  { name: 'text with LF framing', res: 'chat-text.res.json', sse: 'stream-text-lf.sse', content: 'Hello! How can I help you today?', finish: 'stop', tools: [], usage: usage(8, 30, 0, 21) },
  { name: 'cached content tokens', res: 'chat-cached.res.json', sse: 'stream-cached.sse', content: 'Using the cached context: yes.', finish: 'stop', tools: [], usage: usage(2009, 9, 1800, 0) },
  { name: 'text then a function call', res: 'chat-tool-call.res.json', sse: 'stream-tool-call.sse', content: "I'll check the weather in Paris for you.", finish: 'tool_calls', tools: [['get_weather', { location: 'Paris, France', unit: 'celsius' }]], usage: usage(120, 70, 0, 48) },
  { name: 'parallel function calls', res: 'chat-tool-calls-parallel.res.json', sse: 'stream-tool-calls-parallel.sse', content: null, finish: 'tool_calls', tools: [['get_weather', { location: 'Paris, France', unit: 'celsius' }], ['get_time', { timezone: 'Europe/Paris' }]], usage: usage(140, 91, 0, 60) },
  { name: 'JSON text', res: 'chat-json.res.json', sse: 'stream-json.sse', content: '{"city": "Paris", "population": 2102650}', finish: 'stop', tools: [], usage: usage(40, 15, 0, 0) },
] as const

for (const c of cases) {
  t.test(`non-streamed: ${c.name}`, async (t) => {
    const { value, text } = geminiAdapter.chatResponse(JSON.stringify(fixtureJson('gemini', c.res)), ctx())
    t.equal(openaiSchemaErrors('CreateChatCompletionResponse', JSON.parse(text)), null)
    const choice = value.choices[0]!
    t.equal(choice.message.content, c.content)
    t.equal(choice.finish_reason, c.finish)
    t.same((choice.message.tool_calls ?? []).map((tc) => [tc.function.name, JSON.parse(tc.function.arguments)]), c.tools)
    const sigs = (fixtureJson('gemini', c.res).candidates[0].content.parts as Array<{ functionCall?: unknown; thoughtSignature?: string }>).filter((p) => p.functionCall).map((p) => p.thoughtSignature)
    ;(choice.message.tool_calls ?? []).forEach((tc, i) => {
      t.equal(tc.id, sigs[i] ? `call_gen_${i + 1}~sig~${sigs[i]}` : `call_gen_${i + 1}`, 'generated id, carrying the thought signature when there is one')
    })
    t.same(value.usage, c.usage)
    t.equal(value.model, 'gemini-2.5-flash')
  })

  t.test(`streamed: ${c.name}`, async (t) => {
    const { outs, complete } = runStream(geminiAdapter.createChatStream(sctx()), fixtureText('gemini', c.sse), 11)
    t.ok(complete, 'a finishReason completes the stream')
    t.notOk(outs.some((o) => o.kind === 'error'))
    const chunks = chunksOf(outs)
    for (const ch of chunks) t.equal(openaiSchemaErrors('CreateChatCompletionStreamResponse', ch), null)
    t.same(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' })
    t.same(chunks.at(-1)!.choices, [])
    t.same(chunks.at(-1)!.usage, c.usage)
    const [acc] = reassemble(chunks)
    t.equal(acc!.content, c.content ?? '')
    t.equal(acc!.finish, c.finish)
    t.same(acc!.tools.map((tc) => [tc.name, JSON.parse(tc.arguments)]), c.tools, 'same calls as non-streamed')
    t.equal(new Set(chunks.map((ch) => ch.id)).size, 1)
  })
}

t.test('n = 2: one choice per candidate with its own finish_reason', async (t) => {
  const { value } = geminiAdapter.chatResponse(JSON.stringify(fixtureJson('gemini', 'chat-n2.res.json')), ctx())
  t.same(value.choices.map((c) => [c.index, c.message.content, c.finish_reason]), [[0, 'Heads.', 'stop'], [1, 'Tails.', 'length']])
})

t.test('safety stops and blocked prompts are content_filter', async (t) => {
  for (const f of ['chat-safety.res.json', 'chat-prompt-blocked.res.json']) {
    const { value, text } = geminiAdapter.chatResponse(JSON.stringify(fixtureJson('gemini', f)), ctx())
    t.equal(value.choices[0]!.finish_reason, 'content_filter', f)
    t.equal(value.choices[0]!.message.content, '', f)
    t.equal(openaiSchemaErrors('CreateChatCompletionResponse', JSON.parse(text)), null, f)
  }
})

t.test('a mid-stream error object becomes an error output', async (t) => {
  const { outs, complete } = runStream(geminiAdapter.createChatStream(sctx()), fixtureText('gemini', 'stream-error-midway.sse'))
  t.notOk(complete)
  const last = outs.at(-1)!
  t.equal(last.kind, 'error')
  if (last.kind === 'error') {
    t.equal(last.error.code, 'upstream_unavailable')
    t.match(last.error.message, /overloaded/)
  }
  t.equal(reassemble(chunksOf(outs))[0]!.content, 'Partial')
})

t.test('a stream without a finishReason is incomplete and has no usage chunk', async (t) => {
  const { outs, complete } = runStream(geminiAdapter.createChatStream(sctx()), fixtureText('gemini', 'stream-truncated.sse'))
  t.notOk(complete)
  t.notOk(outs.some((o) => o.kind === 'chunk' && o.chunk.usage))
})

t.test('HTTP errors: Google status bodies classified by HTTP status', async (t) => {
  const table: Array<[string, number, string, number, boolean]> = [
    ['error-400', 400, 'invalid_request', 400, false],
    ['error-400-key', 400, 'upstream_error', 502, false],
    ['error-403', 403, 'upstream_error', 502, false],
    ['error-404', 404, 'model_not_found', 404, false],
    ['error-429', 429, 'rate_limit_exceeded', 429, true],
    ['error-500', 500, 'upstream_error', 502, true],
    ['error-503', 503, 'upstream_unavailable', 503, true],
  ]
  for (const [file, status, code, clientStatus, retryable] of table) {
    const body = fixtureJson('gemini', `${file}.res.json`)
    const err = geminiAdapter.mapError(status, body, {}, ctx())
    t.equal(err.code, code, file)
    t.equal(err.status, clientStatus, file)
    t.equal(err.retryable, retryable, file)
    if (clientStatus !== 502 || status >= 500) t.ok(err.message.includes(body.error.message), `${file} keeps the message`)
  }
  t.equal(geminiAdapter.mapError(500, [fixtureJson('gemini', 'error-500.res.json')], {}, ctx()).code, 'upstream_error', 'array-wrapped body')
})

t.test('embeddings responses', async (t) => {
  const one = geminiAdapter.embeddingsResponse!(JSON.stringify(fixtureJson('gemini', 'embed-content.res.json')), ctx())
  t.equal(openaiSchemaErrors('CreateEmbeddingResponse', one.value), null)
  t.same(one.value.data[0]!.embedding, [0.013168523, -0.008711934, -0.046782676, 0.00069968984])
  const many = geminiAdapter.embeddingsResponse!(JSON.stringify(fixtureJson('gemini', 'batch-embed-contents.res.json')), ctx())
  t.same(many.value.data.map((d) => d.index), [0, 1])
  t.equal(openaiSchemaErrors('CreateEmbeddingResponse', many.value), null)
})
