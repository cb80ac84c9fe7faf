import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { createServer, type AddressInfo } from 'node:net'
import { createScratchDatabase } from '../helpers/database.js'
import { sendJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js'
import { PgliteDatabase } from '../../src/adapters/db/pglite.js'
import { PostgresDatabase } from '../../src/adapters/db/postgres.js'
import { pgliteDir } from '../../src/adapters/db/open-database.js'
import type { Database } from '../../src/ports/database.js'

/**
 * Acceptance 3: SIGTERM while under load. The gateway runs as a real child process
 * (`node --import tsx src/cli/main.ts serve`); after it exits, every request that got an answer has its row.
 */
const root = new URL('../../', import.meta.url).pathname
let upstream: FakeUpstream
let drop: (() => Promise<void>) | undefined
let dbUrl = ''
const dir = mkdtempSync(join(tmpdir(), 'sy-sigterm-'))
const dataDir = join(dir, 'data')
let port = 0

/** A free port from the OS (the child must listen on a port we know: its log is batched). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as AddressInfo).port
      srv.close(() => resolve(p))
    })
  })

t.before(async () => {
  // a little latency upstream, so calls are in flight when the signal lands
  upstream = await startFakeUpstream(async (req, res) => {
    await new Promise((r) => setTimeout(r, 30))
    sendJson(res, 200, { id: 'x', object: 'chat.completion', created: 1, model: req.body?.model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })
  }, '/v1')
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchDatabase(process.env.DATABASE_URL)
    dbUrl = scratch.url
    drop = scratch.drop
    t.comment('database: postgres (scratch database)')
  } else t.comment('database: pglite in the child process data dir')
  port = await freePort()
  writeFileSync(join(dir, 'gateway.yaml'), stringify({
    server: { host: '127.0.0.1', port, log_level: 'info', drain_timeout_ms: 10_000 },
    auth: { anonymous_team: 'demo' },
    providers: { up: { type: 'openai', base_url: upstream.url } },
    models: { fast: { targets: [{ provider: 'up', model: 'fast' }] } },
    teams: { demo: {} },
    storage: { data_dir: dataDir },
  }))
})
t.teardown(async () => {
  await upstream?.close()
  await drop?.()
})

t.test('every answered request has its row after SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve', '--config', join(dir, 'gateway.yaml')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: dbUrl, REDIS_URL: '', OTEL_SDK_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (c) => (stderr += String(c)))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  // the log goes out in batches, so find the gateway by polling the port it was given
  const url = `http://127.0.0.1:${port}`
  const startBy = Date.now() + 90_000
  for (;;) {
    const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
    if (up) break
    if (Date.now() > startBy || child.exitCode !== null) throw new Error(`gateway did not start: ${stderr}`)
    await new Promise((r) => setTimeout(r, 200))
  }

  const answered = new Map<string, number>()
  let refused = 0
  let next = 0
  let stop = false
  const workers = Array.from({ length: 12 }, async () => {
    while (!stop) {
      const id = `sig-${next++}`
      try {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id, connection: 'close' },
          body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
        })
        await res.text()
        answered.set(id, res.status)
      } catch {
        refused++ // connection refused or reset after the listener closed: no answer, so no row is owed
        if (refused > 50) stop = true
        await new Promise((r) => setTimeout(r, 5))
      }
    }
  })
  while (answered.size < 300) await new Promise((r) => setTimeout(r, 10))
  child.kill('SIGTERM')
  const code = await exited
  stop = true
  await Promise.all(workers)
  t.equal(code, 0, 'the gateway exits cleanly')
  t.ok(answered.size >= 300, `${answered.size} requests answered (${[...answered.values()].filter((s) => s !== 200).length} of them refused with 503 while draining)`)

  const db: Database = dbUrl ? new PostgresDatabase(dbUrl, { max: 1 }) : await PgliteDatabase.open(pgliteDir(dataDir))
  try {
    const { rows } = await db.query<{ request_id: string; status: number }>('SELECT request_id, status FROM calls', [])
    const have = new Map(rows.map((r) => [r.request_id, r.status]))
    const missing = [...answered.keys()].filter((id) => !have.has(id))
    t.same(missing, [], 'every answered request has its row')
    const mismatched = [...answered].filter(([id, status]) => have.get(id) !== status)
    t.same(mismatched, [], 'with the status the client saw')
  } finally {
    await db.close()
  }
})
