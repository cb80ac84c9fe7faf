import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const has = (bin: string): boolean => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0

/**
 * Makes sure Debian's `prometheus` package (prometheus + promtool) is installed: installs it with
 * apt-get when it is missing and we are root. Returns null when ready, else why it cannot be.
 * A policy-rc.d that refuses service starts keeps the package from leaving a daemon running.
 */
export function ensurePrometheus(log: (msg: string) => void): string | null {
  if (has('prometheus') && has('promtool')) return null
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) return 'prometheus is not installed and apt-get is not available'
  if (process.getuid?.() !== 0) return 'prometheus is not installed and installing it needs root (apt-get install prometheus)'
  const policy = '/usr/sbin/policy-rc.d'
  const ownPolicy = !existsSync(policy)
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 })
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const install = () => spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'prometheus'], { env, stdio: 'ignore', timeout: 300_000 }).status === 0
    log('installing Debian prometheus with apt-get')
    if (!install()) {
      spawnSync('apt-get', ['update', '-q'], { env, stdio: 'ignore', timeout: 300_000 })
      if (!install()) return 'apt-get install prometheus failed'
    }
  } finally {
    if (ownPolicy) rmSync(policy, { force: true })
  }
  return has('prometheus') && has('promtool') ? null : 'prometheus is still not runnable after apt-get install'
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

export interface RunningPrometheus {
  url: string
  /** Instant query; returns the parsed API answer. */
  query(expr: string): Promise<{ status: string; error?: string; data?: { resultType: string; result: unknown[] } }>
  get(path: string): Promise<any>
  stop(): Promise<void>
}

/** Starts a real Prometheus on 127.0.0.1 (random port, temp storage) with the given scrape targets and rule files. */
export async function startPrometheus(opts: { targets: string[]; ruleFiles: string[]; intervalS?: number }): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-prom-'))
  const interval = `${opts.intervalS ?? 1}s`
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: opts.ruleFiles,
    scrape_configs: [{ job_name: 'switchyard', metrics_path: '/metrics', static_configs: [{ targets: opts.targets }] }],
  }
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config)) // JSON is YAML
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`prometheus exited: ${stderr}`)
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`prometheus not ready after 30 s: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  const get = async (path: string): Promise<any> => (await fetch(`${url}${path}`)).json()
  return {
    url,
    get,
    query: (expr) => get(`/api/v1/query?query=${encodeURIComponent(expr)}`),
    stop,
  }
}
