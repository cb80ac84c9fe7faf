import t from 'tap'
import type { ResolvedRoute } from '../../../src/routing/catalog.js'
import { LatencyTracker } from '../../../src/routing/latency.js'
import { orderTargets } from '../../../src/routing/select.js'
import type { Target } from '../../../src/providers/types.js'

const target = (provider: string, model: string): Target => ({ provider, model, config: { type: 'openai' } as Target['config'] })
const a = target('a', 'm1')
const b = target('b', 'm2')
const c = target('c', 'm3')
const names = (ts: Target[]) => ts.map((x) => x.provider).join('')

const route = (strategy: ResolvedRoute['strategy'], weights?: number[]): ResolvedRoute => ({ logical: 'x', strategy, targets: [a, b, c], weights, timeouts: undefined })

/** A fixed sequence of "random" numbers. */
const seq = (...xs: number[]) => {
  let i = 0
  return () => xs[i++ % xs.length]!
}

t.test('strategies (table)', async (t) => {
  const latency = new LatencyTracker()
  latency.observe(a, 300)
  latency.observe(b, 50)
  latency.observe(c, 120)
  const pricing = { 'a/m1': { input: 3, output: 15 }, 'b/m2': { input: 0.15, output: 0.6 } } // c unpriced
  const rows: Array<[string, ResolvedRoute, Parameters<typeof orderTargets>[1], string]> = [
    ['fallback keeps config order', route('fallback'), {}, 'abc'],
    ['weighted: low draw picks the first weight band', route('weighted', [1, 1, 2]), { random: seq(0.1, 0.1, 0.1) }, 'abc'],
    ['weighted: high draw picks the heavy target first', route('weighted', [1, 1, 2]), { random: seq(0.9, 0.9, 0.9) }, 'cba'],
    ['weighted: middle draw', route('weighted', [1, 1, 2]), { random: seq(0.3, 0.0) }, 'bac'],
    ['weighted: default weight 1', route('weighted'), { random: seq(0.5, 0.0) }, 'bac'],
    ['least-latency: fastest first', route('least-latency'), { latency }, 'bca'],
    ['least-latency without a tracker: config order', route('least-latency'), {}, 'abc'],
    ['cheapest: lowest price first, unpriced last', route('cheapest'), { pricing }, 'bac'],
    ['cheapest without pricing: config order', route('cheapest'), {}, 'abc'],
  ]
  for (const [name, r, ctx, want] of rows) t.equal(names(orderTargets(r, ctx)), want, name)
})

t.test('least-latency tries unmeasured targets first, then follows the moving average', async (t) => {
  const latency = new LatencyTracker(0.5)
  latency.observe(a, 100)
  t.equal(names(orderTargets(route('least-latency'), { latency })), 'bca', 'b and c have no samples yet')
  latency.observe(b, 200)
  latency.observe(c, 300)
  t.equal(names(orderTargets(route('least-latency'), { latency })), 'abc')
  latency.observe(a, 500) // average 300
  latency.observe(a, 500) // average 400
  t.equal(latency.average(a), 400)
  t.equal(names(orderTargets(route('least-latency'), { latency })), 'bca', 'a slowed down: it moves last')
  latency.observe(a, Number.NaN)
  t.equal(latency.average(a), 400, 'bad samples are ignored')
  t.same(latency.snapshot(), { 'a/m1': 400, 'b/m2': 200, 'c/m3': 300 })
})

t.test('weighted order follows the weights over many draws', async (t) => {
  let s = 42
  const random = () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646 // deterministic LCG
  const firsts: Record<string, number> = { a: 0, b: 0, c: 0 }
  for (let i = 0; i < 4000; i++) firsts[orderTargets(route('weighted', [1, 0.0001, 3]), { random })[0]!.provider]!++
  t.ok(firsts.c! > 2700 && firsts.c! < 3300, `c first ~75% (${firsts.c})`)
  t.ok(firsts.a! > 700 && firsts.a! < 1300, `a first ~25% (${firsts.a})`)
  t.ok(firsts.b! < 20, `b almost never first (${firsts.b})`)
})

t.test('single-target routes are returned as is', async (t) => {
  const r: ResolvedRoute = { logical: 'x', strategy: 'weighted', targets: [a], timeouts: undefined }
  t.same(orderTargets(r, { random: () => 0.99 }), [a])
})
