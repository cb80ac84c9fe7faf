#!/usr/bin/env node
// The cost of the metric updates one call makes (about ten series), through prom-client's own public
// API (bound children, made once per call shape and reused) and through src/observability/series.ts
// (the families the gateway uses). Run after `npm run build`: node bench/metrics-updates.mjs
import { Counter, Histogram, Registry } from 'prom-client'
import { CounterFamily, HistogramFamily } from '../dist/src/observability/series.js'

const N = Number(process.env.N ?? 200_000)
const counterLabels = ['endpoint', 'team', 'provider', 'model', 'rule', 'outcome', 'status_class']
const histogramLabels = ['endpoint', 'provider', 'model', 'outcome', 'stream']
const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
const cl = { endpoint: 'chat.completions', team: 'bench', provider: 'mock', model: 'gpt-4o-mini', rule: 'default', outcome: 'ok', status_class: '2xx' }
const hl = { endpoint: 'chat.completions', provider: 'mock', model: 'gpt-4o-mini', outcome: 'ok', stream: 'false' }

const theirs = new Registry()
const pc = new Counter({ name: 'x_total', help: 'h', labelNames: counterLabels, registers: [theirs] }).labels(cl)
const ph = new Histogram({ name: 'y_seconds', help: 'h', labelNames: histogramLabels, buckets, registers: [theirs] }).labels(hl)
const ours = new Registry()
const fc = new CounterFamily({ name: 'x_total', help: 'h', labelNames: counterLabels, registers: [ours] })
const fh = new HistogramFamily({ name: 'y_seconds', help: 'h', labelNames: histogramLabels, buckets, registers: [ours] })
const sc = fc.at(cl)
const sh = fh.at(hl)

function time(fn) {
  for (let i = 0; i < N / 4; i++) fn(i)
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) fn(i)
  return Number(process.hrtime.bigint() - t0) / N
}
const results = { 'prom-client (bound children)': [], 'series.ts families': [] }
for (let round = 0; round < 3; round++) {
  results['prom-client (bound children)'].push(time((i) => { for (let k = 0; k < 5; k++) { pc.inc(1); ph.observe((i % 100) / 1000) } }))
  results['series.ts families'].push(time((i) => { for (let k = 0; k < 5; k++) { fc.add(sc, 1); fh.observeSeries(sh, (i % 100) / 1000) } }))
}
const median = (xs) => [...xs].sort((a, b) => a - b)[1]
for (const [name, xs] of Object.entries(results)) console.log(`${name}: ${median(xs).toFixed(0)} ns per call (5 counter increments + 5 histogram observations; median of 3)`)
