import t from 'tap'
import OpenAI from 'openai'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { hashKey } from '../../src/identity/authenticator.js'
import { fakeGemini, geminiRequestError } from '../helpers/fake-gemini.js'
import { sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { fixtureJson, fixtureText, sseFrames } from '../helpers/fixtures.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { openaiSchemaErrors } from '../helpers/openai-schemas.js'

const CLIENT_KEY = 'sk-sy-embeddings-e2e-client-key'
const vectors = [[0.25, -0.5, 0.125], [1, 0, -1]]

let openaiUp: FakeUpstream
let azureUp: FakeUpstream
let geminiUp: FakeUpstream
let gw: TestGateway
let client: OpenAI
const audit = new MemoryAuditRecorder()

/** OpenAI's embeddings answer, base64 (little-endian float32) when asked, as the real API does. */
function openaiEmbeddings(body: { input: string | string[]; encoding_format?: string; model: string }) {
  const inputs = typeof body.input === 'string' ? [body.input] : body.input
  const enc = (v: number[]) => (body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v)
  return { object: 'list', data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: enc(vectors[i % 2]!) })), model: body.model, usage: { prompt_tokens: 5 * inputs.length, total_tokens: 5 * inputs.length } }
}

t.before(async () => {
  openaiUp = await startFakeUpstream((req, res) => sendJson(res, 200, openaiEmbeddings(req.body)), '/v1')
  azureUp = await startFakeUpstream(async (req, res) => {
    const m = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)\?api-version=([\w-]+)$/.exec(req.url)
    if (!m || req.headers['api-key'] !== 'azure-test-secret' || req.headers.authorization) return sendJson(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint.' } })
    if (m[2] === 'embeddings') return sendJson(res, 200, openaiEmbeddings(req.body))
    if (req.body.stream) return sendSse(res, sseFrames(fixtureText('openai', 'stream-tool-calls.sse')).filter((f) => req.body.stream_options?.include_usage || !/"choices":\[\],/.test(f)))
    sendJson(res, 200, fixtureJson('openai', 'chat-tool-calls.res.json'))
  })
  geminiUp = await startFakeUpstream(fakeGemini((_model, method) => ({ json: method === 'embedContent' ? 'embed-content.res.json' : 'batch-embed-contents.res.json' })))
  gw = await startGateway(
    {
      providers: {
        oai: { type: 'openai', base_url: openaiUp.url },
        az: { type: 'azure', base_url: azureUp.url, api_key_env: 'TEST_AZURE_KEY', api_version: '2024-10-21' },
        google: { type: 'gemini', base_url: geminiUp.url, api_key_env: 'TEST_GEMINI_KEY' },
        claude: { type: 'anthropic', base_url: geminiUp.url },
      },
      models: {
        'embed-oai': { targets: [{ provider: 'oai', model: 'text-embedding-3-small' }] },
        'embed-azure': { targets: [{ provider: 'az', model: 'my-embeddings-deployment' }] },
        'embed-gemini': { targets: [{ provider: 'google', model: 'gemini-embedding-001' }] },
        'embed-claude': { targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] },
        'chat-azure': { targets: [{ provider: 'az', model: 'gpt-4o-prod' }] },
      },
      pricing: { 'oai/text-embedding-3-small': { input: 0.02, output: 0 } },
      auth: { anonymous_team: 'demo' },
      teams: { demo: { keys: [{ name: 'sdk', sha256: hashKey(CLIENT_KEY) }] } },
    },
    {},
    { env: { TEST_AZURE_KEY: 'azure-test-secret', TEST_GEMINI_KEY: 'gemini-test-secret' }, audit },
  )
  client = new OpenAI({ baseURL: gw.baseURL, apiKey: CLIENT_KEY, maxRetries: 0 })
})
t.teardown(async () => {
  await gw?.close()
  await Promise.all([openaiUp?.close(), azureUp?.close(), geminiUp?.close()])
})

const close = (a: number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) < 1e-6)

t.test('embeddings through an OpenAI-compatible provider: SDK default (base64) and float', async (t) => {
  const { data, response } = await client.embeddings.create({ model: 'embed-oai', input: ['a', 'b'] }).withResponse()
  t.ok(close(data.data[0]!.embedding, vectors[0]!) && close(data.data[1]!.embedding, vectors[1]!), 'vectors decoded by the SDK')
  t.equal(openaiUp.received.at(-1)!.body.encoding_format, 'base64')
  t.equal(openaiUp.received.at(-1)!.body.model, 'text-embedding-3-small')
  t.equal(response.headers.get('x-switchyard-provider'), 'oai')
  t.equal(response.headers.get('x-switchyard-cost-usd'), ((10 * 0.02) / 1e6).toFixed(8))
  const raw = await (await fetch(`${gw.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'embed-oai', input: 'x', encoding_format: 'float' }) })).json()
  t.equal(openaiSchemaErrors('CreateEmbeddingResponse', raw), null)
  const row = audit.rows.findLast((r) => r.endpoint === 'embeddings')!
  t.equal(row.outcome, 'ok')
  t.equal(row.promptTokens, 5)
  t.equal(row.provider, 'oai')
})

t.test('embeddings through Gemini: embedContent / batchEmbedContents, base64 encoded by the gateway', async (t) => {
  const one = await client.embeddings.create({ model: 'embed-gemini', input: 'hello world', dimensions: 4 })
  t.ok(close(one.data[0]!.embedding, fixtureJson('gemini', 'embed-content.res.json').embedding.values))
  t.equal(geminiUp.received.at(-1)!.url, '/v1beta/models/gemini-embedding-001:embedContent')
  t.same(geminiUp.received.at(-1)!.body, { content: { parts: [{ text: 'hello world' }] }, outputDimensionality: 4 })
  const many = await client.embeddings.create({ model: 'embed-gemini', input: ['a', 'b'], encoding_format: 'float' })
  t.equal(openaiSchemaErrors('CreateEmbeddingResponse', many), null)
  t.same(many.data.map((d) => d.embedding), fixtureJson('gemini', 'batch-embed-contents.res.json').embeddings.map((e: { values: number[] }) => e.values))
  const row = audit.rows.findLast((r) => r.endpoint === 'embeddings')!
  t.equal(row.usageEstimated, true, 'Gemini reports no tokens: estimated')
  t.ok(row.promptTokens! > 0)
  for (const r of geminiUp.received) t.equal(geminiRequestError(r), null)
})

t.test('embeddings through Azure: deployment URL, api-version, api-key', async (t) => {
  const res = await client.embeddings.create({ model: 'embed-azure', input: 'x' })
  t.ok(close(res.data[0]!.embedding, vectors[0]!))
  t.equal(azureUp.received.at(-1)!.url, '/openai/deployments/my-embeddings-deployment/embeddings?api-version=2024-10-21')
})

t.test('a provider without embeddings and invalid input are 400s, audited', async (t) => {
  const err = await client.embeddings.create({ model: 'embed-claude', input: 'x' }).catch((e) => e)
  t.equal(err.status, 400)
  t.match(err.message, /no embeddings endpoint/)
  const bad = await fetch(`${gw.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'embed-oai' }) })
  t.equal(bad.status, 400)
  t.equal(((await bad.json()) as { error: { param: string } }).error.param, 'input')
  t.equal(audit.rows.at(-1)!.endpoint, 'embeddings')
  t.equal(audit.rows.at(-1)!.outcome, 'invalid_request')
})

t.test('Azure chat: tool calls streamed and not, through the deployment URL with api-key', async (t) => {
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }]
  const messages = [{ role: 'user' as const, content: 'Weather?' }]
  const plain = await client.chat.completions.create({ model: 'chat-azure', messages, tools })
  t.equal(azureUp.received.at(-1)!.url, '/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21')
  t.equal(azureUp.received.at(-1)!.headers['api-key'], 'azure-test-secret')
  t.equal(azureUp.received.at(-1)!.headers.authorization, undefined)
  const final = await client.chat.completions.stream({ model: 'chat-azure', messages, tools }).finalChatCompletion()
  const calls = (c: typeof plain) => c.choices[0]!.message.tool_calls!.map((tc) => tc.type === 'function' && [tc.function.name, JSON.parse(tc.function.arguments)])
  t.same(calls(final), calls(plain))
  t.equal(calls(plain).length, 2)
})
