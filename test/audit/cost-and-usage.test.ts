import t from 'tap'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { createScratchDatabase } from '../helpers/database.js'
import { knownUsage, startAuditUpstream } from '../helpers/audit-upstream.js'
import type { FakeUpstream } from '../helpers/fake-upstream.js'
import { runUsage } from '../../src/cli/usage.js'

/**
 * Acceptance 4 (cost from known usage, cached and reasoning tokens included), the tokenizer estimate
 * when a provider reports no usage, GET /admin/usage, GET /admin/calls and `switchyard usage`.
 * Runs on the gateway's own storage: a scratch Postgres database when DATABASE_URL is set, else PGlite in its data dir.
 */
const ADMIN = 'admin-token-for-audit-tests'
let upstream: FakeUpstream
let gw: TestGateway
let dropDb: (() => Promise<void>) | undefined
let dbUrl = ''

t.before(async () => {
  upstream = await startAuditUpstream()
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchDatabase(process.env.DATABASE_URL)
    dbUrl = scratch.url
    dropDb = scratch.drop
    t.comment('database: postgres (scratch database)')
  } else t.comment('database: pglite (gateway data dir)')
  gw = await startGateway(
    {
      auth: { anonymous_team: 'research' },
      providers: { up: { type: 'openai', base_url: upstream.url } },
      models: {
        priced: { targets: [{ provider: 'up', model: 'priced' }] },
        'priced-plain': { targets: [{ provider: 'up', model: 'priced-plain' }] },
        nousage: { targets: [{ provider: 'up', model: 'nousage' }] },
      },
      pricing: {
        'up/priced': { input: 2, cached_input: 0.5, output: 8, reasoning: 10 },
        'up/priced-plain': { input: 2, cached_input: 0.5, output: 8 },
        'up/nousage': { input: 1, output: 2 },
      },
      teams: { research: {} },
    },
    {},
    { env: { ...process.env, DATABASE_URL: dbUrl, SWITCHYARD_ADMIN_TOKEN: ADMIN } },
  )
})
t.teardown(async () => {
  await gw?.close()
  await upstream?.close()
  await dropDb?.()
})

const chat = (model: string, session: string, content = 'hello there') =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-switchyard-session': session },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  })

async function rowsFor(session: string, n: number): Promise<Array<Record<string, any>>> {
  const end = Date.now() + 10_000
  for (;;) {
    const res = await fetch(`${gw.url}/admin/calls?session=${session}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    const body = (await res.json()) as { data: Array<Record<string, any>> }
    if (body.data.length >= n || Date.now() > end) return body.data
    await new Promise((r) => setTimeout(r, 100))
  }
}

t.test('cost equals the hand computation from the pricing table (cached and reasoning included)', async (t) => {
  // 1000 prompt of which 400 cached; 500 completion of which 200 reasoning
  const handReasoningPriced = (600 * 2 + 400 * 0.5 + 300 * 8 + 200 * 10) / 1e6 // 0.0058
  const handReasoningAtOutput = (600 * 2 + 400 * 0.5 + 300 * 8 + 200 * 8) / 1e6 // 0.0054
  const a = await chat('priced', 'cost-1')
  const b = await chat('priced-plain', 'cost-1')
  t.equal(a.status, 200)
  t.equal(a.headers.get('x-switchyard-cost-usd'), handReasoningPriced.toFixed(8))
  t.equal(b.headers.get('x-switchyard-cost-usd'), handReasoningAtOutput.toFixed(8), 'reasoning at the output price when the entry sets none')
  const rows = await rowsFor('cost-1', 2)
  t.equal(rows.length, 2)
  t.match(rows[0], { model: 'priced', prompt_tokens: knownUsage.prompt_tokens, cached_tokens: 400, completion_tokens: 500, reasoning_tokens: 200, usage_estimated: false })
  t.ok(Math.abs(rows[0]!.cost_usd - handReasoningPriced) < 1e-12, `row cost ${rows[0]!.cost_usd} = ${handReasoningPriced}`)
  t.ok(Math.abs(rows[1]!.cost_usd - handReasoningAtOutput) < 1e-12, `row cost ${rows[1]!.cost_usd} = ${handReasoningAtOutput}`)
  t.ok(rows[0]!.started_at <= rows[1]!.started_at, 'time order')
})

t.test('no usage from the provider: a tokenizer estimate, marked usage_estimated', async (t) => {
  const res = await chat('nousage', 'est-1', 'The quick brown fox jumps over the lazy dog.')
  t.equal(res.status, 200)
  const [row] = await rowsFor('est-1', 1)
  t.equal(row!.usage_estimated, true)
  // o200k_base: the sentence is 10 tokens; role 1; 3 per message + 3 priming
  t.equal(row!.prompt_tokens, 17)
  t.equal(row!.completion_tokens, 6, '"ok, here is the answer" is 6 tokens')
  t.ok(Math.abs(row!.cost_usd - (17 * 1 + 6 * 2) / 1e6) < 1e-12)
  t.equal(res.headers.get('x-switchyard-cost-usd'), ((17 + 12) / 1e6).toFixed(8))
})

t.test('GET /admin/usage and GET /admin/calls', async (t) => {
  const unauth = await fetch(`${gw.url}/admin/usage`)
  t.equal(unauth.status, 401)
  const res = await fetch(`${gw.url}/admin/usage?by=model&since=1h`, { headers: { authorization: `Bearer ${ADMIN}` } })
  const report = (await res.json()) as { by: string; data: Array<{ group: string; calls: number; cost_usd: number }>; total: { calls: number } }
  t.equal(report.by, 'model')
  t.same(report.data.map((r) => r.group).sort(), ['up/nousage', 'up/priced', 'up/priced-plain'])
  t.equal(report.total.calls, 3)
  const csv = await (await fetch(`${gw.url}/admin/usage?by=team&format=csv`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
  t.match(csv, /^team,calls,errors,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,estimated_calls,cost_usd\nresearch,3,0,2017,1006,800,400,1,0\.011229\n$/)
  const bad = await fetch(`${gw.url}/admin/usage?by=planet`, { headers: { authorization: `Bearer ${ADMIN}` } })
  t.equal(bad.status, 400)
  t.equal(((await bad.json()) as { error: { param: string } }).error.param, 'by')
  const byTeam = await fetch(`${gw.url}/admin/calls?team=research`, { headers: { authorization: `Bearer ${ADMIN}` } })
  t.equal(((await byTeam.json()) as { data: unknown[] }).data.length, 3)
  t.equal((await fetch(`${gw.url}/admin/calls`, { headers: { authorization: `Bearer ${ADMIN}` } })).status, 400, 'a filter is required')
})

t.test('switchyard usage reads the same log (after the gateway stops: PGlite is single-process)', async (t) => {
  await gw.close()
  const out: string[] = []
  const sink = new Writable({ write: (c, _e, cb) => (out.push(String(c)), cb()) })
  const prev = process.env.DATABASE_URL
  process.env.DATABASE_URL = dbUrl
  try {
    t.equal(await runUsage(['--by', 'model', '--since', '1d', '--format', 'json'], join(gw.dir, 'gateway.yaml'), sink, sink), 0)
  } finally {
    if (prev === undefined) delete process.env.DATABASE_URL
    else process.env.DATABASE_URL = prev
  }
  const report = JSON.parse(out.join('')) as { total: { calls: number; cost_usd: number } }
  t.equal(report.total.calls, 3)
  t.ok(Math.abs(report.total.cost_usd - (0.0058 + 0.0054 + 29 / 1e6)) < 1e-9)
})
