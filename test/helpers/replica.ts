import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { packageRoot } from '../../src/paths.js'

/** A gateway running as its own process: `node --import tsx src/cli/main.ts ...`. */
export interface Replica {
  name: string
  url: string
  child: ChildProcess
  /** Everything the process wrote to stdout (pino JSON lines) and stderr. */
  stdout(): string
  stderr(): string
  /** JSON log lines with the given msg. */
  logLines(msg: string): any[]
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>
}

export async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise((r) => srv.close(r))
  return port
}

/** Runs a CLI command to completion (e.g. `migrate`), returning its exit code and output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), ...args], { cwd: packageRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (out += c))
    child.on('exit', (code) => resolve({ code, out }))
  })
}

/** Starts `switchyard serve --config FILE` and waits until /healthz answers on `port`. */
export async function startReplica(name: string, configPath: string, port: number, env: NodeJS.ProcessEnv): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), 'serve', '--config', configPath], {
    cwd: packageRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (err += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let gone = false
  void exited.then(() => (gone = true))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (gone) throw new Error(`${name} exited before listening: ${err}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${name} did not answer /healthz within 30 s: ${err}`)
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) break
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    name,
    url,
    child,
    stdout: () => out,
    stderr: () => err,
    logLines: (msg) =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l)
          } catch {
            return null
          }
        })
        .filter((l) => l?.msg === msg),
    exited,
  }
}
