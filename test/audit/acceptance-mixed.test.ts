import t from 'tap'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { openTestDatabase, type TestDatabase } from '../helpers/database.js'
import { startAuditUpstream } from '../helpers/audit-upstream.js'
import type { FakeUpstream } from '../helpers/fake-upstream.js'

/** Acceptance 1: 1,000 mixed requests produce exactly 1,000 rows, each with the right outcome. */
let tdb: TestDatabase
let upstream: FakeUpstream
let gw: TestGateway

t.before(async () => {
  tdb = await openTestDatabase(t)
  upstream = await startAuditUpstream()
  gw = await startGateway(
    {
      auth: { anonymous_team: 'demo' },
      providers: { up: { type: 'openai', base_url: upstream.url } },
      models: {
        fast: { targets: [{ provider: 'up', model: 'fast' }] },
        broken: { targets: [{ provider: 'up', model: 'broken' }] },
        slow: { targets: [{ provider: 'up', model: 'slow' }] },
        secret: { targets: [{ provider: 'up', model: 'fast' }] },
      },
      teams: { demo: { models: ['fast', 'broken', 'slow'] } },
      policy: { rules: [{ name: 'no-secret', when: { model: 'secret' }, deny: 'secret is not enabled' }, { name: 'default', route: 'requested' }] },
      resilience: { max_attempts: 1, breaker: { failures: 1_000_000 } },
    },
    {},
    { database: tdb.db },
  )
})
t.teardown(async () => {
  await gw?.close()
  await upstream?.close()
  await tdb?.drop()
})

type Kind = 'ok' | 'ok-stream' | 'upstream' | 'denied' | 'invalid' | 'abort'
const plan: Kind[] = [
  ...Array<Kind>(250).fill('ok'), ...Array<Kind>(150).fill('ok-stream'), ...Array<Kind>(150).fill('upstream'),
  ...Array<Kind>(150).fill('denied'), ...Array<Kind>(150).fill('invalid'), ...Array<Kind>(150).fill('abort'),
]
for (let i = plan.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1))
  ;[plan[i], plan[j]] = [plan[j]!, plan[i]!]
}

async function send(kind: Kind, id: string): Promise<{ status: number; code?: string }> {
  const headers = { 'content-type': 'application/json', 'x-request-id': id }
  const body = (model: string, stream = false) => JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] })
  const url = `${gw.url}/v1/chat/completions`
  if (kind === 'invalid') {
    const res = await fetch(url, { method: 'POST', headers, body: '{"model": "fast", "messages": [' })
    await res.text()
    return { status: res.status }
  }
  if (kind === 'abort') {
    const ac = new AbortController()
    const res = await fetch(url, { method: 'POST', headers, body: body('slow', true), signal: ac.signal })
    const reader = res.body!.getReader()
    await reader.read() // the first chunk arrived: the stream is under way
    ac.abort()
    await reader.closed.catch(() => undefined)
    return { status: res.status }
  }
  const model = kind === 'upstream' ? 'broken' : kind === 'denied' ? 'secret' : 'fast'
  const res = await fetch(url, { method: 'POST', headers, body: body(model, kind === 'ok-stream') })
  const text = await res.text()
  let code: string | undefined
  try {
    code = JSON.parse(text)?.error?.code
  } catch {
    // SSE
  }
  return { status: res.status, ...(code ? { code } : {}) }
}

t.test('1,000 mixed requests -> exactly 1,000 rows with the right outcomes', async (t) => {
  const answers = new Map<string, { kind: Kind; status: number; code?: string }>()
  let next = 0
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < plan.length) {
        const i = next++
        const id = `acc1-${i}`
        answers.set(id, { kind: plan[i]!, ...(await send(plan[i]!, id)) })
      }
    }),
  )
  t.equal(answers.size, 1000)
  const denied = [...answers.values()].find((a) => a.kind === 'denied')!
  const denyCode = denied.code
  t.comment(denyCode === 'policy_denied' ? 'denials come from the policy engine' : `no policy engine yet: denials are the team allow-list (${denyCode})`)

  const expected: Record<Kind, string> = {
    ok: 'ok', 'ok-stream': 'ok', upstream: 'upstream_error',
    denied: denyCode === 'policy_denied' ? 'denied' : 'invalid_request',
    invalid: 'invalid_request', abort: 'client_cancelled',
  }
  const deadline = Date.now() + 20_000
  let count = 0
  while (Date.now() < deadline) {
    count = (await tdb.db.query<{ n: number }>("SELECT count(*)::int AS n FROM calls WHERE request_id LIKE 'acc1-%'", [])).rows[0]!.n
    if (count >= 1000) break
    await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(count, 1000, 'one row per request')

  const { rows } = await tdb.db.query<{ request_id: string; outcome: string; status: number; stream: boolean; team_id: string }>(
    "SELECT request_id, outcome, status, stream, team_id FROM calls WHERE request_id LIKE 'acc1-%'", [],
  )
  const wrong: string[] = []
  const byOutcome: Record<string, number> = {}
  for (const row of rows) {
    const a = answers.get(row.request_id)
    byOutcome[row.outcome] = (byOutcome[row.outcome] ?? 0) + 1
    if (!a || row.outcome !== expected[a.kind] || (a.kind !== 'abort' && row.status !== a.status)) wrong.push(`${row.request_id}: ${a?.kind} -> ${row.outcome}/${row.status} (client saw ${a?.status})`)
  }
  t.same(wrong, [], 'every row has the outcome and status its request got')
  t.comment(`outcomes: ${JSON.stringify(byOutcome)}`)
  const statuses = new Set([...answers.values()].filter((a) => a.kind === 'denied').map((a) => a.status))
  t.same([...statuses], [403], 'denials answered 403')

  await gw.close()
  const after = (await tdb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM calls', [])).rows[0]!.n
  t.equal(after, 1000, 'still exactly 1,000 rows after shutdown (nothing written twice)')
})
