#!/usr/bin/env node
// Audit overhead (issue 4, acceptance 5): the same gateway with the Postgres audit sink on and off
// (SWITCHYARD_AUDIT_SINK=off), side by side in one run, at a fixed request rate so latency is
// compared at equal load. Needs a built tree (npm run build) and DATABASE_URL (use a scratch database).
//   DATABASE_URL=postgres://.../sy_bench node bench/audit-overhead.mjs
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL (a scratch database)')
const rate = Number(process.env.BENCH_RATE ?? 400)
const seconds = Number(process.env.BENCH_DURATION ?? 6)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const children = []
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100
}

function start(cmd, args, env = {}) {
  const child = spawn('taskset', ['-c', env.CPU ?? '1', cmd, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  return child
}

async function gateway(name, mockPort, env) {
  const port = 18700 + children.length
  const dir = mkdtempSync(join(tmpdir(), `sy-audit-bench-${name}-`))
  writeFileSync(join(dir, 'gateway.yaml'), [
    `server: { host: 127.0.0.1, port: ${port}, log_level: warn }`,
    'auth: { anonymous_team: bench }',
    `providers: { mock: { type: openai, base_url: "http://127.0.0.1:${mockPort}/v1" } }`,
    'models: { gpt-4o-mini: { targets: [ { provider: mock, model: gpt-4o-mini } ] } }',
    'pricing: { mock/gpt-4o-mini: { input: 0.15, cached_input: 0.075, output: 0.6 } }',
    'teams: { bench: {} }',
    `storage: { data_dir: "${join(dir, 'data')}" }`,
  ].join('\n'))
  const child = start(process.execPath, ['--max-semi-space-size=64', join(root, 'dist/src/cli/main.js'), 'serve', '--config', join(dir, 'gateway.yaml')], { ...env, CPU: '1' })
  child.stdout.resume()
  for (let i = 0; i < 300; i++) {
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) return { url: `http://127.0.0.1:${port}`, pid: child.pid }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${name} did not start`)
}

const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 64 })
const run = (url, duration) => autocannon({ url: `${url}/v1/chat/completions`, method: 'POST', connections: 20, overallRate: rate, duration, body, headers: { 'content-type': 'application/json' } })

async function main() {
  const mock = start(process.execPath, [join(root, 'bench/mock-upstream.mjs'), '0'], { CPU: '0' })
  const mockPort = await new Promise((resolve) => mock.stdout.once('data', (d) => resolve(Number(String(d).trim()))))
  const targets = { 'audit-off': await gateway('off', mockPort, { SWITCHYARD_AUDIT_SINK: 'off', REDIS_URL: '' }), 'audit-pg': await gateway('pg', mockPort, { REDIS_URL: '' }) }
  const res = {}
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? Object.keys(targets) : Object.keys(targets).reverse()
    for (const name of order) {
      const t = targets[name]
      await run(t.url, 1)
      const c0 = cpuMs(t.pid)
      const r = await run(t.url, seconds)
      const cpu = ((cpuMs(t.pid) - c0) * 1000) / r.requests.total
      ;(res[name] ??= []).push({ p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, mean: r.latency.mean, rps: r.requests.average, cpu, bad: r.non2xx + r.errors })
      process.stderr.write(`round ${round + 1} ${name}: mean ${r.latency.mean} ms p50 ${r.latency.p50} p90 ${r.latency.p90} p99 ${r.latency.p99} ms, ${Math.round(cpu)} µs CPU/req${r.non2xx + r.errors ? `, ${r.non2xx + r.errors} errors` : ''}\n`)
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const m = (name, f) => med(res[name].map((x) => x[f]))
  console.log(`\nfixed rate ${rate} req/s, 20 connections, ${seconds}s x ${rounds} rounds, medians; gateways pinned to core 1\n`)
  console.log('| target | mean ms | p50 ms | p90 ms | p99 ms | CPU µs/req |\n|---|---:|---:|---:|---:|---:|')
  for (const name of Object.keys(targets)) console.log(`| ${name} | ${m(name, 'mean').toFixed(2)} | ${m(name, 'p50')} | ${m(name, 'p90')} | ${m(name, 'p99')} | ${Math.round(m(name, 'cpu'))} |`)
  console.log(`\naudit on / off: mean latency ${(m('audit-pg', 'mean') / m('audit-off', 'mean')).toFixed(3)}x, p50 ${(m('audit-pg', 'p50') / m('audit-off', 'p50')).toFixed(3)}x, p99 ${(m('audit-pg', 'p99') / m('audit-off', 'p99')).toFixed(3)}x, CPU/req ${(m('audit-pg', 'cpu') / m('audit-off', 'cpu')).toFixed(3)}x`)
}

main().finally(() => {
  for (const c of children) c.kill('SIGTERM')
})
