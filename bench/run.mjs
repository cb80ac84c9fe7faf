#!/usr/bin/env node
// npm run bench: fake upstream, bare undici proxy (the floor) and Switchyard side by side on loopback,
// loaded in turn by autocannon. Prints req/s and p50/p99 per target and the gateway's ratios to the
// bare proxy and to direct, all measured in this one run (absolute numbers drift on shared machines).
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHash } from 'node:crypto'
import autocannon from 'autocannon'
import pg from 'pg'
import { fixedRate, mean, percentile } from './fixed-rate.mjs'
import { Pool } from 'undici'

const BENCH_KEY = 'sk-sy-bench'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const quick = process.argv.includes('--quick')
const duration = Number(process.env.BENCH_DURATION ?? (quick ? 3 : 8))
const warmup = Number(process.env.BENCH_WARMUP ?? (quick ? 1 : 2))
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3))
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const rate = Number(process.env.BENCH_RATE ?? 500)
// seconds of fixed-rate load per target, given in one-second slices that take turns
const rateSlices = Number(process.env.BENCH_RATE_SECONDS ?? (quick ? 6 : 30))
const pin = process.env.BENCH_PIN !== '0'
const withPg = Boolean(process.env.DATABASE_URL) && process.env.BENCH_PG !== '0'
const children = []
let scratchDb = null

/**
 * Core 1 belongs to the gateway alone. The local Postgres server (when the bench runs as root, as
 * on the dev and CI machines) goes to core 0 with the load generator and the mock, at the lowest
 * CPU priority (BENCH_DB_NICE, default 19): its backends, WAL writer, checkpointer and autovacuum
 * then wait for idle time instead of stalling the gateway, the load generator or the mock mid-request.
 * In production the database is another machine and its CPU is not on the request path. New
 * backends inherit this from the postmaster; everything is put back when the bench ends.
 */
const dbNice = String(process.env.BENCH_DB_NICE ?? 19)
const dbIdle = process.env.BENCH_DB_IDLE !== '0'
const canPinDatabase = pin && process.getuid?.() === 0
function postgresPids() {
  try {
    return execFileSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {
    return []
  }
}
/** Backends are per connection (and autovacuum workers come and go): pinDatabase(true) runs before every measured run. */
function pinDatabase(on) {
  if (!canPinDatabase || !scratchDb) return
  for (const pid of postgresPids()) {
    try { execFileSync('taskset', ['-pc', on ? '0' : `0-${cpus().length - 1}`, pid], { stdio: 'ignore' }) } catch {}
    try { execFileSync('renice', ['-n', on ? dbNice : '0', '-p', pid], { stdio: 'ignore' }) } catch {}
    // SCHED_IDLE: any runnable task on the core preempts the database at once (a nice value alone
    // still lets it finish a slice while the mock or the load generator waits)
    if (dbIdle) try { execFileSync('chrt', on ? ['-i', '-p', '0', pid] : ['-o', '-p', '0', pid], { stdio: 'ignore' }) } catch {}
  }
}

/** utime + stime of a process in ms, from /proc (Linux); null elsewhere. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // clock ticks (USER_HZ = 100)
  } catch {
    return null
  }
}
const pids = {}

function pinned(cpu, cmd, args, env = {}, stdout = 'pipe') {
  const [c, a] = pin ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args]
  const child = spawn(c, a, { env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'inherit'] })
  children.push(child)
  return child
}

/**
 * Where a gateway's log lines go: a pipe read by a process of its own (`cat` to /dev/null, on the
 * load generator's core), as a container runtime reads a container's stdout. Read by the bench
 * itself, a full pipe would wait for the load generator's event loop and hold the gateway up.
 */
async function logSink() {
  const sink = spawn(pin ? 'taskset' : 'cat', pin ? ['-c', '0', 'cat'] : [], { stdio: ['pipe', 'ignore', 'ignore'] })
  children.push(sink)
  await new Promise((resolve, reject) => sink.once('spawn', resolve).once('error', reject))
  return sink.stdin
}

/** Starts a helper server that prints its port on the first line. */
function startPrinter(cpu, script, args, name) {
  const child = pinned(cpu, process.execPath, [script, ...args])
  if (name) pids[name] = child.pid
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())))
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)))
  })
}

async function waitFor(url, tries = 100) {
  for (let i = 0; i < tries; i++) {
    try {
      const res = await fetch(url)
      if (res.ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`not ready: ${url}`)
}

async function startGateway(name, mockPort, env, build = root) {
  const port = 18500 + children.length
  const dir = mkdtempSync(join(tmpdir(), `sy-bench-${name}-`))
  const config = join(dir, 'gateway.yaml')
  writeFileSync(config, [
    `server: { host: 127.0.0.1, port: ${port}, log_level: info }`,
    `providers: { mock: { type: openai, base_url: "http://127.0.0.1:${mockPort}/v1" } }`,
    'models: { gpt-4o-mini: { targets: [ { provider: mock, model: gpt-4o-mini } ] } }',
    'pricing: { mock/gpt-4o-mini: { input: 0.15, cached_input: 0.075, output: 0.6 } }',
    // sha256 of the bench's key, sk-sy-bench
    `teams: { bench: { keys: [ { name: bench, sha256: ${createHash('sha256').update(BENCH_KEY).digest('hex')} } ] } }`,
    `storage: { data_dir: "${join(dir, 'data')}" }`,
  ].join('\n'))
  // the production runtime flag (Dockerfile NODE_OPTIONS, npm start)
  // one log line per call, as in production, into a pipe another process drains
  const child = pinned(1, process.execPath, ['--max-semi-space-size=64', join(build, 'dist/src/cli/main.js'), 'serve', '--config', config], env, await logSink())
  pids[{ pg: 'switchyard', noaudit: 'switchyard-noaudit', embedded: 'switchyard-embedded', baseline: 'baseline' }[name]] = child.pid
  await waitFor(`http://127.0.0.1:${port}/readyz`)
  return `http://127.0.0.1:${port}`
}

const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 64 })
const streamBody = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], max_tokens: 64 })

function load(url, payload, seconds) {
  return autocannon({
    url: `${url}/v1/chat/completions`, method: 'POST', connections, duration: seconds, body: payload,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
  })
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

async function main() {
  if (pin) try { execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' }) } catch {}
  const mockPort = await startPrinter(0, join(root, 'bench/mock-upstream.mjs'), ['0'])
  const barePort = await startPrinter(1, join(root, 'bench/bare-proxy.mjs'), ['0', `http://127.0.0.1:${mockPort}`], 'bare')
  const targets = { direct: `http://127.0.0.1:${mockPort}`, bare: `http://127.0.0.1:${barePort}` }
  if (withPg) {
    // production shape: audit to Postgres (a scratch database, dropped at the end) and Redis context/limits;
    // `switchyard-noaudit` is the same gateway with audit rows dropped (SWITCHYARD_AUDIT_SINK=off), to isolate the audit cost
    const url = new URL(process.env.DATABASE_URL)
    scratchDb = `sy_bench_${process.pid}`
    const admin = new pg.Client({ connectionString: url.toString() })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${scratchDb}`)
    await admin.query(`CREATE DATABASE ${scratchDb}`)
    await admin.end()
    url.pathname = `/${scratchDb}`
    const env = { DATABASE_URL: url.toString(), REDIS_URL: process.env.REDIS_URL ?? '' }
    // BENCH_AUDIT_CONTROL=1: an A/A run, both gateways with audit off, to show the comparison's noise floor
    targets.switchyard = await startGateway('pg', mockPort, process.env.BENCH_AUDIT_CONTROL === '1' ? { ...env, SWITCHYARD_AUDIT_SINK: 'off' } : env)
    targets['switchyard-noaudit'] = await startGateway('noaudit', mockPort, { ...env, SWITCHYARD_AUDIT_SINK: 'off' })
    // BENCH_BASELINE=<another checkout, built>: the same gateway config on that build, measured in the same run
    if (process.env.BENCH_BASELINE) targets.baseline = await startGateway('baseline', mockPort, env, process.env.BENCH_BASELINE)
  }
  if (!withPg || process.env.BENCH_EMBEDDED === '1') targets['switchyard-embedded'] = await startGateway('embedded', mockPort, { DATABASE_URL: '', REDIS_URL: '' })
  const gatewayTarget = targets.switchyard ? 'switchyard' : 'switchyard-embedded'

  // sanity: the gateway really forwards (the mock counts one upstream request per call)
  const before = (await (await fetch(`${targets.direct}/__stats`)).json()).requests
  const check = await fetch(`${targets[gatewayTarget]}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` }, body })
  const after = (await (await fetch(`${targets.direct}/__stats`)).json()).requests
  if (check.status !== 200 || after !== before + 1) throw new Error(`gateway check failed: status ${check.status}, upstream requests +${after - before}`)

  const scenarios = { chat: body, stream: streamBody }
  const names = Object.keys(targets)
  // fixed rate first, while the scratch database is fresh (after the closed-loop runs it holds a few
  // hundred thousand rows and autovacuum competes for the cores): latency at equal, moderate load
  // (the audit comparison of issue 4 is made here)
  const rateResults = {}
  if (rate > 0) {
    // a gateway in production is warm: every target first serves a few seconds of full load, so
    // code compiled on first use (V8 tiers up as it goes) is not measured as latency
    for (const name of names) await load(targets[name], body, warmup + 2)
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` }
    // the targets take turns in one-second slices, the pooled samples of all slices make each
    // target's figures: the host's own stalls (several ms; the bare proxy gets them too) and slow
    // drifts of the machine's speed then fall on every target alike
    const pools = Object.fromEntries(names.map((n) => [n, new Pool(new URL(targets[n]).origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 })]))
    const pooled = Object.fromEntries(names.map((n) => [n, { latencies: [], slices: [], failed: 0 }]))
    for (const name of names) await fixedRate({ url: `${targets[name]}/v1/chat/completions`, body, headers, rate, seconds: 1, pool: pools[name] })
    for (let slice = 0; slice < rateSlices; slice++) {
      if (slice % 4 === 0) pinDatabase(true)
      const order = names.slice(slice % names.length).concat(names.slice(0, slice % names.length))
      for (const name of order) {
        const { latencies, failed } = await fixedRate({ url: `${targets[name]}/v1/chat/completions`, body, headers, rate, seconds: 1, pool: pools[name] })
        for (const l of latencies) pooled[name].latencies.push(l)
        pooled[name].slices.push(latencies)
        pooled[name].failed += failed
      }
    }
    for (const name of names) {
      const { failed } = pooled[name]
      const latencies = pooled[name].latencies.sort((a, b) => a - b)
      const r = { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), mean: mean(latencies), bad: failed }
      // the typical second: each figure taken per one-second slice, then the median over the slices.
      // A host stall (several ms, the bare proxy and direct get them too) spoils the second it falls in,
      // and the pooled mean and p99 with it; it does not move the median second
      const perSlice = (f) => median(pooled[name].slices.map(f))
      r.typical = { p50: perSlice((xs) => percentile(xs, 50)), p90: perSlice((xs) => percentile(xs, 90)), p99: perSlice((xs) => percentile(xs, 99)), mean: perSlice(mean) }
      rateResults[name] = [r]
      // seconds in which some request took over 10 ms (a stall: the answer takes well under 1 ms otherwise)
      r.stalled = pooled[name].slices.filter((xs) => xs.at(-1) > 10_000).length
      process.stderr.write(`rate${rate} ${name}: ${latencies.length} samples, p50 ${r.p50} µs p90 ${r.p90} µs p99 ${r.p99} µs mean ${Math.round(r.mean)} µs; typical second: p50 ${r.typical.p50} p90 ${r.typical.p90} p99 ${r.typical.p99} mean ${Math.round(r.typical.mean)} µs; slowest request per second (ms): ${pooled[name].slices.map((xs) => (xs.at(-1) / 1000).toFixed(1)).join(' ')}${failed ? ` (${failed} errors)` : ''}\n`)
      await pools[name].close()
    }
  }

  const results = {}
  // BENCH_CLOSED=0: the fixed-rate phase only
  for (let round = 0; round < (process.env.BENCH_CLOSED === '0' ? 0 : rounds); round++) {
    const order = names.slice(round % names.length).concat(names.slice(0, round % names.length))
    for (const [scenario, payload] of Object.entries(scenarios)) {
      for (const name of order) {
        await load(targets[name], payload, warmup)
        pinDatabase(true)
        const cpu0 = pids[name] ? cpuMs(pids[name]) : null
        const r = await load(targets[name], payload, duration)
        const cpu1 = pids[name] ? cpuMs(pids[name]) : null
        const bad = r.non2xx + r.errors
        const cpuUs = cpu0 !== null && cpu1 !== null && r.requests.total > 0 ? ((cpu1 - cpu0) * 1000) / r.requests.total : null
        ;(results[`${scenario}|${name}`] ??= []).push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad, cpuUs })
        process.stderr.write(`round ${round + 1} ${scenario} ${name}: ${Math.round(r.requests.average)} req/s p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms${bad ? ` (${bad} errors)` : ''}\n`)
      }
    }
  }

  const agg = (key, f) => median(results[key].map((x) => x[f]))
  const lines = ['', '"vs bare (CPU/req)" is the bare proxy\'s CPU time per request over the target\'s: the throughput ratio a saturated core would give, and robust to other load on the machine.', `connections ${connections}, ${duration}s per run, ${rounds} round(s), medians; gateway pinned to core 1, load generator + mock on core 0`, '']
  lines.push('| scenario | target | req/s | p50 ms | p99 ms | CPU µs/req | vs bare (req/s) | vs direct (req/s) | vs bare (CPU/req) |', '|---|---|---:|---:|---:|---:|---:|---:|---:|')
  for (const scenario of Object.keys(scenarios).filter((sc) => results[`${sc}|${names[0]}`])) {
    for (const name of names) {
      const key = `${scenario}|${name}`
      const rps = agg(key, 'rps')
      const cpu = results[key][0].cpuUs === null ? null : agg(key, 'cpuUs')
      const bareCpu = agg(`${scenario}|bare`, 'cpuUs')
      lines.push(`| ${scenario} | ${name} | ${Math.round(rps)} | ${agg(key, 'p50')} | ${agg(key, 'p99')} | ${cpu === null ? '-' : Math.round(cpu)} | ${(rps / agg(`${scenario}|bare`, 'rps')).toFixed(2)}x | ${(rps / agg(`${scenario}|direct`, 'rps')).toFixed(2)}x | ${cpu === null || !bareCpu ? '-' : `${(bareCpu / cpu).toFixed(2)}x`} |`)
    }
  }
  if (withPg && results['chat|switchyard']) {
    const ratio = (s, f) => (agg(`${s}|switchyard`, f) / agg(`${s}|switchyard-noaudit`, f)).toFixed(3)
    lines.push('', `Postgres audit on vs off (switchyard / switchyard-noaudit): chat p50 ${ratio('chat', 'p50')}x, p99 ${ratio('chat', 'p99')}x, CPU/req ${ratio('chat', 'cpuUs')}x, req/s ${ratio('chat', 'rps')}x`)
  }
  if (rate > 0) {
    const ragg = (name, f) => median(rateResults[name].map((x) => x[f]))
    lines.push('', `Fixed rate ${rate} req/s (open loop, ${rateSlices} one-second slices per target, taking turns; all samples pooled); service time in µs; "added" is the target's minus direct's`, '')
    lines.push('| target | p50 µs | p90 µs | p99 µs | mean µs | added p50 µs | added p99 µs | typical second: p50 / p90 / p99 / mean µs | seconds with a request over 10 ms |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    const typ = (name, f) => rateResults[name][0].typical[f]
    for (const name of names) {
      const added = (f) => (name === 'direct' ? '-' : Math.round(ragg(name, f) - ragg('direct', f)))
      lines.push(`| ${name} | ${ragg(name, 'p50')} | ${ragg(name, 'p90')} | ${ragg(name, 'p99')} | ${Math.round(ragg(name, 'mean'))} | ${added('p50')} | ${added('p99')} | ${typ(name, 'p50')} / ${typ(name, 'p90')} / ${typ(name, 'p99')} / ${Math.round(typ(name, 'mean'))} | ${rateResults[name][0].stalled} of ${rateSlices} |`)
    }
    lines.push('', '"typical second": each figure per one-second slice, then the median over the slices (a host stall spoils one second, not the figure)')
    if (withPg) {
      const rr = (f) => (ragg('switchyard', f) / ragg('switchyard-noaudit', f)).toFixed(3)
      const rt = (f) => (typ('switchyard', f) / typ('switchyard-noaudit', f)).toFixed(3)
      lines.push('', `Postgres audit on vs off at ${rate} req/s (switchyard / switchyard-noaudit), all samples: latency p50 ${rr('p50')}x, mean ${rr('mean')}x, p90 ${rr('p90')}x, p99 ${rr('p99')}x`)
      lines.push(`Postgres audit on vs off at ${rate} req/s, typical second: latency p50 ${rt('p50')}x, mean ${rt('mean')}x, p90 ${rt('p90')}x, p99 ${rt('p99')}x`)
    }
    for (const [name, rs] of Object.entries(rateResults)) if (rs.some((x) => x.bad > 0)) results[`rate|${name}`] = rs
  }
  if (withPg) {
    // the audit comparison holds only if rows went to Postgres, not to the disk spool
    const text = await (await fetch(`${targets.switchyard}/metrics`)).text()
    const metric = (name) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? Number.NaN)
    lines.push('', `Audit (switchyard): ${metric('switchyard_audit_rows_written_total')} rows written to Postgres, ${metric('switchyard_audit_rows_spooled_total')} spooled to disk, ${metric('switchyard_audit_write_failures_total')} failed writes`)
  }
  const failed = Object.entries(results).filter(([, rs]) => rs.some((x) => x.bad > 0)).map(([k]) => k)
  if (failed.length > 0) lines.push('', `WARNING: errors in ${failed.join(', ')}: those figures are not valid`)
  process.stdout.write(lines.join('\n') + '\n')
  if (failed.length > 0) process.exitCode = 1
}

main()
  .catch((err) => { process.stderr.write(`bench failed: ${err.stack}\n`); process.exitCode = 1 })
  .finally(async () => {
    pinDatabase(false)
    for (const c of children) c.kill('SIGTERM')
    if (scratchDb) {
      await new Promise((r) => setTimeout(r, 1500)) // let the gateways flush and disconnect
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
      await admin.connect()
      await admin.query(`DROP DATABASE IF EXISTS ${scratchDb} WITH (FORCE)`).catch(() => undefined)
      await admin.end()
    }
  })
