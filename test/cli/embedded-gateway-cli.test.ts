import t from 'tap'
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { createGateway } from '../../src/app/gateway.js'
import { packageRoot } from '../../src/paths.js'
import { pino } from 'pino'

/** The lock the gateway writes into its embedded data dir. */
const lockFile = (dataDir: string) => join(dataDir, 'gateway.lock')

/**
 * Embedded storage (PGlite, one process per data dir) with a gateway running on it: the CLI goes
 * through the gateway's admin API when SWITCHYARD_ADMIN_TOKEN is set, and refuses, naming the gateway,
 * when it is not. The gateway runs in this process; the CLI runs as its own process, as a user runs it.
 */
// about fifteen CLI processes through tsx: slow on a small shared machine
t.setTimeout(300_000)

const ADMIN = 'admin-token-for-embedded-cli'
// embedded storage and the in-process context store: only the gateway's own admin API can reach it
const embedded = { ...process.env, DATABASE_URL: '', REDIS_URL: '', NODE_OPTIONS: '' }
const gatewayConfig = {
  providers: { demo: { type: 'demo' } },
  models: { demo: { targets: [{ provider: 'demo', model: 'demo-1' }] } },
  teams: { research: {} },
}

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** CLI runs are queued two at a time (a CLI process through tsx costs about two seconds of CPU). */
let running = 0
const waiting: Array<() => void> = []
async function cli(configPath: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r))
  running++
  try {
    return await spawnCli(configPath, env, ...args)
  } finally {
    running--
    waiting.shift()?.()
  }
}

function spawnCli(configPath: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), ...args, '--config', configPath], { cwd: packageRoot, env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

const chat = (url: string, key: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hello' }] }),
  })

let gw: TestGateway
let configPath: string
let dataDir: string
const withToken = { ...embedded, SWITCHYARD_ADMIN_TOKEN: ADMIN }
const withoutToken = { ...embedded, SWITCHYARD_ADMIN_TOKEN: '' }

t.before(async () => {
  gw = await startGateway(gatewayConfig, {}, { env: withToken })
  configPath = join(gw.dir, 'gateway.yaml')
  dataDir = gw.gateway.config.dataDir
  t.comment('database: pglite (embedded, by design of this file)')
})
t.teardown(() => gw?.close())

let liveKey = ''

t.test('the gateway holds its data dir: gateway.lock names its pid and URL', async (t) => {
  const lock = JSON.parse(readFileSync(lockFile(dataDir), 'utf8')) as Record<string, unknown>
  t.match(lock, { pid: process.pid, started_at: String, url: gw.url })
  // a second gateway on the same data dir is refused, naming the first
  const second = createGateway({ configPath, env: withToken, logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' })
  await t.rejects(second, { code: 'storage_unavailable', message: new RegExp(`pid ${process.pid}, ${gw.url.replace(/[.]/g, '\\.')}`) })
  t.equal((await fetch(`${gw.url}/healthz`)).status, 200, 'the first gateway keeps serving')
})

t.test('with the admin token: keys create|list|revoke take effect on the running gateway at once', async (t) => {
  const created = await cli(configPath, withToken, 'keys', 'create', '--team', 'research', '--name', 'live')
  t.equal(created.code, 0, created.stderr)
  const key = created.stdout.trim()
  t.match(key, /^sk-sy-[A-Za-z0-9_-]{32}$/, 'stdout is the key, as on the direct path')
  t.match(created.stderr, new RegExp(`created (key_\\S+) for team research \\(name live\\) in the running gateway at ${gw.url.replace(/[.]/g, '\\.')}`))
  t.equal((await chat(gw.url, key)).status, 200, 'the new key works on the running gateway')
  liveKey = key

  const second = (await cli(configPath, withToken, 'keys', 'create', '--team', 'research', '--name', 'to-revoke')).stdout.trim()
  t.equal((await chat(gw.url, second)).status, 200)
  const table = await cli(configPath, withToken, 'keys', 'list')
  t.match(table.stdout, /^ID\s+TEAM\s+NAME\s+KEY/, 'the same table as the direct path')
  const id = new RegExp(`^(key_\\S+)\\s+research\\s+to-revoke`, 'm').exec(table.stdout)?.[1]
  t.ok(id, 'the table lists the key')
  const revoked = await cli(configPath, withToken, 'keys', 'revoke', id!)
  t.equal(revoked.code, 0, revoked.stderr)
  t.match(revoked.stdout, new RegExp(`revoked ${id} \\(research/to-revoke\\) at `))
  t.equal((await chat(gw.url, second)).status, 401, 'the revoked key is refused by the running gateway at once')
  t.equal((await chat(gw.url, key)).status, 200, 'the other key still works')

  const [missing, wrongToken] = await Promise.all([
    cli(configPath, withToken, 'keys', 'revoke', 'key_missing'),
    cli(configPath, { ...embedded, SWITCHYARD_ADMIN_TOKEN: 'wrong' }, 'keys', 'list'),
  ])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /no key with id "key_missing"/)
  t.equal(wrongToken.code, 1)
  t.match(wrongToken.stderr, /refused the admin call/)
})

t.test('with the admin token: usage comes from the running gateway', async (t) => {
  const usage = await cli(configPath, withToken, 'usage', '--by', 'team', '--format', 'json')
  t.equal(usage.code, 0, usage.stderr)
  const report = JSON.parse(usage.stdout) as { by: string; total: { calls: number } }
  t.equal(report.by, 'team')
  t.ok(report.total.calls >= 0)
})

t.test('without the admin token: refused with exit 1 naming the gateway; the data dir stays sound', async (t) => {
  const commands = [['keys', 'create', '--team', 'research'], ['keys', 'revoke', 'key_x'], ['usage'], ['migrate']]
  const runs = await Promise.all(commands.map((args) => cli(configPath, withoutToken, ...args)))
  for (const [i, args] of commands.entries()) {
    const run = runs[i]!
    t.equal(run.code, 1, `${args.join(' ')} exits 1`)
    t.equal(run.stdout, '', 'prints nothing that looks like success')
    t.match(run.stderr, `running gateway (pid ${process.pid}, ${gw.url})`, 'names the gateway')
    if (args[0] === 'keys') t.match(run.stderr, /SWITCHYARD_ADMIN_TOKEN/, 'says how to go through the admin API')
    t.match(run.stderr, /stop the gateway/)
    t.notMatch(run.stderr, /Aborted|RuntimeError/)
  }
  t.equal((await chat(gw.url, liveKey)).status, 200, 'the gateway keeps serving')

  await gw.close()
  t.notOk(existsSync(lockFile(dataDir)), 'the lock is gone once the gateway stops')
  const direct = await cli(configPath, withoutToken, 'keys', 'list', '--format', 'json')
  t.equal(direct.code, 0, direct.stderr)
  const stored = JSON.parse(direct.stdout) as Array<Record<string, unknown>>
  t.match(stored.find((r) => r.name === 'live'), { id: /^key_/, teamId: 'research', hint: `sk-sy-…${liveKey.slice(-4)}`, revokedAt: null })
  const names = stored.map((r) => `${r.name}:${r.revokedAt ? 'revoked' : 'live'}`).sort()
  t.same(names, ['live:live', 'to-revoke:revoked'], 'the keys made through the gateway are in the data dir')
  t.equal((await cli(configPath, withoutToken, 'migrate')).code, 0, 'migrate runs directly once the gateway is gone')
})

t.test('a stale lock (its process is gone) is taken over by the CLI and by a gateway', async (t) => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  const deadPid = Number(dead.stdout)
  t.ok(deadPid > 0)
  const stale = JSON.stringify({ pid: deadPid, started_at: new Date(0).toISOString(), command: 'serve', url: 'http://127.0.0.1:9' })
  writeFileSync(lockFile(dataDir), stale)
  const run = await cli(configPath, withoutToken, 'keys', 'list')
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /research\s+live/)
  t.notOk(existsSync(lockFile(dataDir)), 'the CLI released the lock it took over')

  writeFileSync(lockFile(dataDir), stale)
  const again = await createGateway({ configPath, env: withToken, logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' })
  const url = await again.listen()
  t.teardown(() => again.close())
  t.match(JSON.parse(readFileSync(lockFile(dataDir), 'utf8')), { pid: process.pid, url })
  t.equal((await chat(url, liveKey)).status, 200, 'the gateway that took over serves the stored key')
})
