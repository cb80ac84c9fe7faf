import t from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { stringify } from 'yaml'
import { pino } from 'pino'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { commands } from '../../src/cli/commands.js'
import { createGateway } from '../../src/app/gateway.js'
import { packageRoot } from '../../src/paths.js'
import { startBalancer } from '../helpers/balancer.js'
import { sendSse, startFakeUpstream } from '../helpers/fake-upstream.js'
import { freePort, runCli, startReplica, type Replica } from '../helpers/replica.js'

// Acceptance 3 of the deployment issue: two gateway processes on one Redis and one Postgres behind a
// readiness-aware round-robin balancer; one gets SIGTERM in the middle of streaming load. No request
// the gateways accepted may fail, and every one of them must be in the audit log.

const TOTAL = 120
const CONCURRENCY = 8
const WORDS = 16
const real = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL)
t.comment(real ? 'storage: real Postgres and Redis (DATABASE_URL, REDIS_URL)' : 'storage: embedded (each replica has its own; audit checked from call log lines)')

const expected = Array.from({ length: WORDS }, (_, i) => `w${i} `).join('')

/** Reads an SSE body; returns the assembled content and whether it ended with [DONE]. */
async function readStream(res: Response): Promise<{ content: string; done: boolean }> {
  const text = await res.text()
  let content = ''
  let done = false
  for (const frame of text.split('\n\n')) {
    const data = frame.replace(/^data: /, '').trim()
    if (data === '[DONE]') done = true
    else if (data.startsWith('{')) content += JSON.parse(data).choices?.[0]?.delta?.content ?? ''
  }
  return { content, done }
}

t.test('SIGTERM to one of two replicas under streaming load drops nothing and loses no audit row', async (t) => {
  const upstream = await startFakeUpstream(async (req, res) => {
    const id = `chatcmpl-${randomBytes(4).toString('hex')}`
    const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: 'fake-1', choices: [{ index: 0, delta, finish_reason: finish }] })
    const frames = [chunk({ role: 'assistant', content: '' }), ...Array.from({ length: WORDS }, (_, i) => chunk({ content: `w${i} ` })), chunk({}, 'stop')]
    if (req.body?.stream_options?.include_usage) frames.push(JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: 'fake-1', choices: [], usage: { prompt_tokens: 5, completion_tokens: WORDS, total_tokens: 5 + WORDS } }))
    await sendSse(res, [...frames, '[DONE]'], { intervalMs: 30 })
  })
  t.teardown(() => upstream.close())

  const env: NodeJS.ProcessEnv = { ...process.env, SWITCHYARD_ADMIN_TOKEN: randomBytes(16).toString('hex') }
  delete env.DATABASE_URL
  delete env.REDIS_URL
  let db: pg.Client | null = null
  let durableAudit = false
  if (real) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
    await admin.connect()
    const name = `sy_${randomBytes(6).toString('hex')}`
    await admin.query(`CREATE DATABASE ${name}`)
    const url = new URL(process.env.DATABASE_URL!)
    url.pathname = `/${name}`
    env.DATABASE_URL = url.toString()
    env.REDIS_URL = process.env.REDIS_URL
    db = new pg.Client({ connectionString: env.DATABASE_URL })
    await db.connect()
    t.teardown(async () => {
      await db!.end()
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    })
    if ('migrate' in commands) {
      const m = await runCli(['migrate'], env)
      t.equal(m.code, 0, 'one-off `switchyard migrate` (the Job / compose service) succeeds')
    }
    // Is a durable audit sink wired for DATABASE_URL in this build (or still the in-memory recorder)?
    const probe = await createGateway({ configPath: join(packageRoot, 'config', 'demo.yaml'), env, logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' })
    durableAudit = !(probe.deps.audit instanceof MemoryAuditRecorder)
    await probe.close()
    t.comment(durableAudit ? 'audit: durable (Postgres `calls`)' : 'audit: no durable sink wired in this build, checked from call log lines only')
  }

  // One config per replica (like one pod each): same providers and team, own port and data dir.
  const team = `t_${randomBytes(4).toString('hex')}`
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-replicas-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const replicas: Replica[] = []
  t.teardown(() => replicas.forEach((r) => r.child.exitCode === null && r.child.kill('SIGKILL')))
  for (const name of ['a', 'b']) {
    const port = await freePort()
    const config = {
      // shutdown delay: the balancer polls readiness every 50 ms, so it stops sending to a stopping
      // replica before that replica closes its listener (a connection still in the listen queue then
      // would be reset: the race a Kubernetes preStop sleep covers)
      server: { host: '127.0.0.1', port, drain_timeout_ms: 15_000, shutdown_delay_ms: 500 },
      auth: { anonymous_team: team },
      providers: { up: { type: 'openai', base_url: `${upstream.origin}/v1` } },
      models: { m: { targets: [{ provider: 'up', model: 'fake-1' }] } },
      teams: { [team]: {} },
      audit: { migrate_on_start: !('migrate' in commands) },
      storage: { data_dir: join(dir, `data-${name}`) },
    }
    writeFileSync(join(dir, `${name}.yaml`), stringify(config))
    replicas.push(await startReplica(name, join(dir, `${name}.yaml`), port, env))
  }
  const [a, b] = replicas as [Replica, Replica]
  const lb = await startBalancer(replicas.map((r) => ({ name: r.name, url: r.url })))
  t.teardown(() => lb.close())
  while (!lb.backends.every((x) => x.ready)) await new Promise((r) => setTimeout(r, 20))

  const results: Array<{ ok: boolean; requestId: string | null; detail: string }> = []
  let sent = 0
  let aInflightAtKill = -1
  let killAt = 0
  let servedByABeforeKill = 0
  const worker = async () => {
    while (sent < TOTAL) {
      sent++
      try {
        const res = await fetch(`${lb.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        })
        const requestId = res.headers.get('x-request-id')
        if (res.status !== 200) {
          results.push({ ok: false, requestId, detail: `status ${res.status}: ${await res.text()}` })
          continue
        }
        const { content, done } = await readStream(res)
        results.push({ ok: content === expected && done, requestId, detail: `content ${JSON.stringify(content)} done=${done}` })
      } catch (err) {
        results.push({ ok: false, requestId: null, detail: String(err) })
      }
    }
  }
  const killer = async () => {
    // mid-load, and while replica a is in the middle of streams
    const backendA = lb.backends.find((x) => x.name === 'a')!
    while (results.length < TOTAL / 3 || backendA.streaming < 2) await new Promise((r) => setTimeout(r, 5))
    aInflightAtKill = backendA.streaming
    servedByABeforeKill = backendA.served
    killAt = results.length
    a.child.kill('SIGTERM')
  }
  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), killer()])
  const aExit = await a.exited
  const backendA = lb.backends.find((x) => x.name === 'a')!
  const backendB = lb.backends.find((x) => x.name === 'b')!
  t.comment(`killed a after ${killAt} responses with ${aInflightAtKill} streams in flight on it; a served ${backendA.served}, b ${backendB.served}, refused attempts retried elsewhere: ${backendA.refused} (${backendA.refusedShuttingDown} answered shutting_down)`)

  t.equal(aExit, 0, 'the SIGTERMed replica drained and exited 0')
  t.ok(aInflightAtKill >= 2, 'replica a had streams in flight when it got SIGTERM')
  t.equal(backendA.served - servedByABeforeKill >= aInflightAtKill, true, 'every stream in flight on a at SIGTERM completed through it')
  t.ok(backendB.served > TOTAL - killAt - CONCURRENCY, 'replica b took the load after the kill')
  t.same(lb.failures, [], 'the balancer saw no accepted request fail')
  t.equal(results.length, TOTAL)
  const failed = results.filter((r) => !r.ok)
  t.same(failed, [], 'every client request got a complete stream')

  // Stop b gracefully too, so both have flushed their logs and audit rows.
  b.child.kill('SIGTERM')
  t.equal(await b.exited, 0, 'replica b drained and exited 0')

  // Every request a gateway accepted has its audit record: one `call` log line per request id...
  const lines = [...a.logLines('call'), ...b.logLines('call')]
  const byId = new Map(lines.map((l) => [l.requestId, l]))
  t.equal(byId.size, lines.length, 'one call record per request id')
  for (const r of results) {
    const line = r.requestId ? byId.get(r.requestId) : undefined
    if (!line || line.status !== 200 || line.outcome !== 'ok') {
      t.fail(`call ${r.requestId} has no ok call record (${JSON.stringify(line)})`)
    }
  }
  t.equal(lines.filter((l) => l.status === 200).length, TOTAL, `${TOTAL} ok call records, one per client request`)
  t.equal(lines.length, TOTAL + backendA.refusedShuttingDown + backendB.refusedShuttingDown, 'plus one per shutting_down refusal, nothing else')

  // ...and, with durable audit on Postgres, one row in `calls`.
  if (db && durableAudit) {
    const rows = await db.query<{ request_id: string; outcome: string }>('SELECT request_id, outcome FROM calls')
    const rowsById = new Map(rows.rows.map((r) => [r.request_id, r.outcome]))
    t.equal(rows.rowCount, lines.length, `calls holds ${rows.rowCount} rows: one per accepted attempt`)
    t.equal(rowsById.size, rows.rowCount, 'no request id twice')
    t.ok(results.every((r) => rowsById.get(r.requestId!) === 'ok'), 'every client request has its ok row in calls')
  }
})
