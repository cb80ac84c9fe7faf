import t from 'tap'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway } from '../helpers/gateway.js'
import { dropPrefix, newRedis, redisUrl } from '../helpers/limits.js'
import { backendName, chat, limitsConfig, usageUpstream } from './helpers.js'

// Acceptance 2: a team with a 0.01 USD daily budget is refused with insufficient_quota once its
// audited spend passes it, and the refusal is audited.
t.comment(`limit store: ${backendName()}`)

t.test('daily budget: refused once the audited spend reaches it', async (t) => {
  // 1000 prompt tokens at 1 USD/M + 1000 completion at 3 USD/M = 0.004 USD a call
  const upstream = await startFakeUpstream(usageUpstream({ prompt: 1000, completion: 1000 }), '/v1')
  const audit = new MemoryAuditRecorder()
  const config = limitsConfig(upstream.url, { budget_usd: { day: 0.01, month: 5 } })
  const gw = await startGateway(config, {}, { audit })
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
    if (redisUrl) {
      const r = newRedis()
      await dropPrefix(r, config.limits.key_prefix)
      r.disconnect()
    }
  })

  const statuses: number[] = []
  let refusal: Response | null = null
  for (let i = 0; i < 6 && !refusal; i++) {
    const res = await chat(gw.baseURL, i % 2 === 1 ? { stream: true } : {})
    statuses.push(res.status)
    if (res.status === 429) refusal = res
    else await res.arrayBuffer()
  }
  await new Promise((r) => setTimeout(r, 20)) // the last streamed row closes right after its body
  t.same(statuses, [200, 200, 200, 429], 'three calls (0.012 USD) pass, the fourth is refused')
  const body: any = await refusal!.json()
  t.equal(body.error.code, 'insufficient_quota')
  t.equal(body.error.type, 'insufficient_quota')
  t.match(body.error.message, /daily budget of team "t1" is used up: spent 0\.0120 of 0\.01 USD/)
  const retryAfter = Number(refusal!.headers.get('retry-after'))
  const untilMidnight = Math.ceil((Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1) - Date.now()) / 1000)
  t.ok(retryAfter > 0 && Math.abs(retryAfter - untilMidnight) <= 5, `retry-after ${retryAfter}s is the next UTC midnight`)

  const rows = audit.rows
  const spent = rows.filter((r) => r.outcome === 'ok').reduce((s, r) => s + (r.costUsd ?? 0), 0)
  t.ok(Math.abs(spent - 0.012) < 1e-9, `audited spend before the refusal: ${spent}`)
  const last = rows.at(-1)!
  t.equal(last.outcome, 'over_budget', 'the refusal is audited')
  t.equal(last.errorType, 'insufficient_quota')
  t.equal(last.status, 429)
  t.equal(last.teamId, 't1')
  t.equal(last.provider, null, 'no upstream call was made')
  t.equal(upstream.received.length, 3)

  const metrics = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(metrics, /switchyard_limited_requests_total\{team="t1",reason="over_budget"\} 1/)
  t.match(metrics, /switchyard_budget_used_ratio\{team="t1",period="day"\} 1\.2/)
})
