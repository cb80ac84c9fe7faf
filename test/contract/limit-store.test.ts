import t from 'tap'
import { buildPlan } from '../../src/limits/plan.js'
import type { Principal } from '../../src/identity/principal.js'
import type { TeamConfig } from '../../src/config/schema.js'
import { limitBackends, redisUrl } from '../helpers/limits.js'

t.comment(`limit store contract: memory${redisUrl ? ' and redis (REDIS_URL)' : ' only (REDIS_URL unset)'}`)

const principal = (team: TeamConfig, key: Partial<Principal> = {}, teamId = 'research'): Principal => ({ teamId, team, keyId: null, keyName: null, ...key })
const plan = (p: Principal, opts: { now?: number; estimate?: number; windowMs?: number } = {}) => buildPlan(p, opts.now ?? Date.now(), opts.estimate ?? 10, opts.windowMs ?? 60_000)!.plan

for (const backend of limitBackends()) {
  t.test(backend.name, async (t) => {
    t.teardown(() => backend.close())

    t.test('rpm: the request past the limit is refused and not counted', async (t) => {
      const s = backend.make()
      const p = plan(principal({ rpm: 3 }))
      for (let i = 1; i <= 3; i++) {
        const r = await s.admit(p)
        t.ok(r.allowed, `request ${i} allowed`)
        t.equal(r.windows[0]!.requests, i)
      }
      const r = await s.admit(p)
      t.notOk(r.allowed)
      t.same(r.denied, { reason: 'requests', index: 0 })
      t.equal(r.windows[0]!.requests, 3, 'refused requests are not counted')
      t.ok(r.windows[0]!.resetMs > 0 && r.windows[0]!.resetMs <= 60_000, `resets in ${r.windows[0]!.resetMs} ms`)
    })

    t.test('team and key windows are checked together; the key refuses first', async (t) => {
      const s = backend.make()
      const p = plan(principal({ rpm: 5 }, { keyId: 'k1', keyName: 'k1', keyRpm: 2 }))
      t.equal(p.windows.length, 2)
      t.ok((await s.admit(p)).allowed)
      t.ok((await s.admit(p)).allowed)
      const r = await s.admit(p)
      t.same(r.denied, { reason: 'requests', index: 1 })
      t.same(r.windows.map((w) => w.requests), [2, 2])
      // another key of the same team still counts against the team window
      const other = plan(principal({ rpm: 5 }, { keyId: 'k2', keyName: 'k2', keyRpm: 2 }))
      const o = await s.admit(other)
      t.ok(o.allowed)
      t.equal(o.windows[0]!.requests, 3, 'team window shared by keys')
      t.equal(o.windows[1]!.requests, 1)
    })

    t.test('tpm: charged tokens plus the estimate must fit', async (t) => {
      const s = backend.make()
      const p = plan(principal({ tpm: 100 }), { estimate: 10 })
      t.ok((await s.admit(p)).allowed)
      s.charge(p, 85, 0)
      const ok = await s.admit(p)
      t.ok(ok.allowed, '85 + 10 <= 100')
      t.equal(ok.windows[0]!.tokens, 85)
      s.charge(p, 10, 0)
      const r = await s.admit(p)
      t.same(r.denied, { reason: 'tokens', index: 0 })
      t.equal(r.windows[0]!.tokens, 95)
    })

    t.test('budgets: spend at or past the limit refuses; other periods and teams are apart', async (t) => {
      const s = backend.make()
      // one minute before a UTC midnight in the future (stores expire spend by the real clock), mid-month
      const today = new Date()
      const now = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 10, 23, 59, 0)
      const team = { budget_usd: { day: 0.01, month: 1 } }
      const p = plan(principal(team), { now })
      t.equal(p.budgets.length, 2)
      t.ok((await s.admit(p)).allowed)
      s.charge(p, 0, 0.004)
      s.charge(p, 0, 0.004)
      const mid = await s.admit(p)
      t.ok(mid.allowed)
      t.ok(Math.abs(mid.spentUsd[0]! - 0.008) < 1e-9, `spent ${mid.spentUsd[0]}`)
      t.ok(Math.abs(mid.spentUsd[1]! - 0.008) < 1e-9)
      s.charge(p, 0, 0.003)
      const r = await s.admit(p)
      t.same(r.denied, { reason: 'budget', index: 0 })
      t.ok(r.spentUsd[0]! >= 0.01)
      const tomorrow = plan(principal(team), { now: now + 120_000 })
      const next = await s.admit(tomorrow)
      t.ok(next.allowed, 'a new UTC day has a new daily budget')
      t.ok(Math.abs(next.spentUsd[1]! - 0.011) < 1e-9, 'the month carries over')
      t.ok((await s.admit(plan(principal(team, {}, 'other'), { now }))).allowed, 'another team has its own budget')
    })

    t.test('a zero budget refuses at once', async (t) => {
      const s = backend.make()
      const r = await s.admit(plan(principal({ budget_usd: { month: 0 } })))
      t.same(r.denied, { reason: 'budget', index: 0 })
    })

    t.test('windows reset after windowMs', async (t) => {
      const s = backend.make()
      const p = plan(principal({ rpm: 1, tpm: 50 }), { windowMs: 200 })
      t.ok((await s.admit(p)).allowed)
      s.charge(p, 50, 0)
      t.notOk((await s.admit(p)).allowed)
      await new Promise((r) => setTimeout(r, 300))
      const r = await s.admit(p)
      t.ok(r.allowed, 'a new window')
      t.same([r.windows[0]!.requests, r.windows[0]!.tokens], [1, 0])
    })

    t.test('nothing limited: no plan at all', async (t) => {
      t.equal(buildPlan(principal({}), Date.now(), 1, 60_000), null)
    })
  })
}
