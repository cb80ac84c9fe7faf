import t from 'tap'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { CounterFamily, GaugeFamily, HistogramFamily } from '../../../src/observability/series.js'

// The families must render exactly what prom-client renders for the same updates: dashboards,
// alerts and the tests that parse /metrics read one format.
t.test('counter, gauge and histogram families expose the same text as prom-client', async (t) => {
  const ours = new Registry()
  const theirs = new Registry()
  const labelNames = ['provider', 'model', 'error_type'] as const
  const buckets = [0.01, 0.1, 1, 10]
  const c1 = new CounterFamily({ name: 'x_total', help: 'A counter.', labelNames, registers: [ours] })
  const c2 = new Counter({ name: 'x_total', help: 'A counter.', labelNames, registers: [theirs] })
  const g1 = new GaugeFamily({ name: 'y', help: 'A gauge.', labelNames: ['stream'] as const, registers: [ours] })
  const g2 = new Gauge({ name: 'y', help: 'A gauge.', labelNames: ['stream'] as const, registers: [theirs] })
  const h1 = new HistogramFamily({ name: 'z_seconds', help: 'A histogram.', labelNames, buckets, registers: [ours] })
  const h2 = new Histogram({ name: 'z_seconds', help: 'A histogram.', labelNames, buckets, registers: [theirs] })

  const a = { provider: 'p', model: 'm"1\\' }
  const b = { provider: 'p', model: 'm2', error_type: 'upstream_timeout' }
  for (const [labels, v] of [[a, 0.005], [a, 0.1], [b, 3], [a, 42], [b, 0.5], [a, 0]] as const) {
    c1.inc(labels, v)
    c2.inc(labels, v)
    h1.observe(labels, v)
    h2.observe(labels, v)
  }
  c1.inc(a)
  c2.inc(a)
  for (const [op, stream, v] of [['inc', 'false', 1], ['inc', 'false', 1], ['dec', 'false', 1], ['inc', 'true', 2], ['set', 'true', 7]] as const) {
    g1[op]({ stream }, v)
    g2[op]({ stream }, v)
  }
  t.equal(await ours.metrics(), await theirs.metrics())
  // prom-client's JSON adds exemplar slots (always empty here: exemplars are off)
  const noExemplars = (ms: object[]) => JSON.parse(JSON.stringify(ms, (k, v: unknown) => (k === 'exemplar' ? undefined : v))) as unknown
  t.same(noExemplars(await ours.getMetricsAsJSON()), noExemplars(await theirs.getMetricsAsJSON()), 'JSON form too')
})

t.test('a label left out is absent from the series, and a different series from one that has it', async (t) => {
  const r = new Registry()
  const c = new CounterFamily({ name: 'e_total', help: 'h', labelNames: ['a', 'b'] as const, registers: [r] })
  c.inc({ a: '1' })
  c.inc({ a: '1', b: '' })
  const text = await r.metrics()
  t.match(text, /^e_total\{a="1"\} 1$/m)
  t.match(text, /^e_total\{a="1",b=""\} 1$/m)
})

t.test('bad values are refused as prom-client refuses them', async (t) => {
  const r = new Registry()
  const c = new CounterFamily({ name: 'f_total', help: 'h', labelNames: ['a'] as const, registers: [r] })
  const h = new HistogramFamily({ name: 'f_seconds', help: 'h', labelNames: ['a'] as const, buckets: [1], registers: [r] })
  t.throws(() => c.inc({ a: 'x' }, -1), /only go up/)
  t.throws(() => h.observe({ a: 'x' }, Number.NaN), /finite/)
  t.throws(() => c.inc({ a: 3 as unknown as string }), /must be a string/)
  t.equal(await r.metrics(), '# HELP f_total h\n# TYPE f_total counter\n\n# HELP f_seconds h\n# TYPE f_seconds histogram\n', 'nothing recorded')
})
