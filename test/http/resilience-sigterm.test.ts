import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packageRoot } from '../../src/paths.js'
import { chunk, closedPort, sleep, sseHead } from '../helpers/chaos.js'
import { startFakeUpstream } from '../helpers/fake-upstream.js'
import { writeConfigFiles } from '../helpers/gateway.js'
import { PgliteDatabase } from '../../src/adapters/db/pglite.js'
import { pgliteDir } from '../../src/adapters/db/open-database.js'

// Acceptance 4: SIGTERM to a real `switchyard serve` process during a 10-second stream.
// A child process compiling the gateway through tsx can be slow on a loaded machine.
t.setTimeout(180_000)
t.test('SIGTERM during a 10 s stream: the stream completes, the process exits 0, the call is recorded', async (t) => {
  const upstream = await startFakeUpstream(async (_req, res) => {
    sseHead(res)
    for (let i = 0; i < 10; i++) {
      if (res.destroyed) return
      res.write(chunk(`s${i} `))
      await sleep(1000)
    }
    res.end('data: [DONE]\n\n')
  }, '/v1')
  t.teardown(() => upstream.close())

  const port = await closedPort()
  const dataDir = join(mkdtempSync(join(tmpdir(), 'switchyard-sigterm-')), 'data')
  const dir = writeConfigFiles({
    'gateway.yaml': {
      server: { host: '127.0.0.1', port, drain_timeout_ms: 30_000, log_level: 'info' },
      storage: { data_dir: dataDir },
      providers: { up: { type: 'openai', base_url: upstream.url } },
      models: { long: { targets: [{ provider: 'up', model: 'long' }] } },
      auth: { anonymous_team: 'demo' },
      teams: { demo: {} },
    },
  })
  // embedded storage for the child: it must not touch the shared CI databases
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), 'serve', '--config', join(dir, 'gateway.yaml')], {
    cwd: packageRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')))

  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000 // tsx compiling the gateway on a loaded 2-core machine is slow
  for (;;) {
    const up = await fetch(`${base}/healthz`).then((r) => r.ok, () => false)
    if (up) break
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`gateway did not start: ${stderr}`)
    await sleep(200)
  }

  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'sigterm-stream-1' },
    body: JSON.stringify({ model: 'long', stream: true, messages: [{ role: 'user', content: 'take your time' }] }),
  })
  t.equal(res.status, 200)
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = decoder.decode((await reader.read()).value)
  const signalledAt = Date.now()
  child.kill('SIGTERM')
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
  }
  const words = [...text.matchAll(/"content":"(s\d) "/g)].map((m) => m[1])
  t.same(words, ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9'], 'every word arrived after SIGTERM')
  t.match(text, /data: \[DONE\]\n\n$/, 'the stream ended normally')
  t.ok(Date.now() - signalledAt > 7000, 'the stream ran on for seconds after the signal')

  const code = await exited
  t.equal(code, 0, `exit code 0 (stderr: ${stderr.slice(0, 500)})`)
  const lines = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
  t.ok(lines.some((l) => l.msg === 'draining' && l.signal === 'SIGTERM'), 'the signal was logged')
  const call = lines.find((l) => l.msg === 'call')
  t.ok(call, 'the call was recorded')
  t.equal(call?.outcome, 'ok')
  t.equal(call?.stream, true)
  t.equal(call?.status, 200)

  // the durable audit row, in the embedded database the child used (it has exited, so we may open it)
  const db = await PgliteDatabase.open(pgliteDir(dataDir))
  t.teardown(() => db.close())
  const rows = (await db.query<{ outcome: string; stream: boolean; status: number }>('SELECT outcome, stream, status FROM calls WHERE request_id = $1', ['sigterm-stream-1'])).rows
  t.same(rows, [{ outcome: 'ok', stream: true, status: 200 }], 'the audit row was flushed to the database before exit')
})
