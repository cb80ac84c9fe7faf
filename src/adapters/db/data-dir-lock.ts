import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { GatewayError } from '../../errors/gateway-error.js'

/** Who holds an embedded data dir: the contents of `<data_dir>/gateway.lock`. */
export interface LockHolder {
  pid: number
  started_at: string
  /** `serve` for a gateway, else the CLI command (`keys create`, `migrate`, ...). */
  command: string
  /** The gateway's base URL, once it listens. */
  url?: string
}

/** An exclusive hold on an embedded data dir (PGlite allows one process per folder). */
export interface DataDirLock {
  readonly file: string
  /** Records the gateway's base URL, so the CLI can reach its admin API. */
  noteListening(url: string): void
  /** Removes the lock file (only while it is still this holder's). Idempotent. */
  release(): void
}

export const lockFile = (dataDir: string): string => join(dataDir, 'gateway.lock')

/** Lock files held by this process (a holder with our own pid is live only when listed here). */
const heldHere = new Set<string>()

function pidAlive(pid: number, file: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return heldHere.has(file)
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>
    if (typeof v.pid !== 'number' || typeof v.started_at !== 'string') return null
    return { pid: v.pid, started_at: v.started_at, command: typeof v.command === 'string' ? v.command : 'serve', ...(typeof v.url === 'string' ? { url: v.url } : {}) }
  } catch {
    return null
  }
}

/** The lock file's holder: null when there is no file, 'unreadable' when it holds no valid JSON. */
function readHolder(file: string): LockHolder | null | 'unreadable' {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  return parseHolder(text) ?? 'unreadable'
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** Reads the holder, giving a file created a moment ago (not yet written) one more look. */
function settledHolder(file: string): LockHolder | null | 'unreadable' {
  const first = readHolder(file)
  if (first !== 'unreadable') return first
  pause(50)
  return readHolder(file)
}

/** The live process holding `dataDir`, or null (no lock, or a stale one whose process is gone). */
export function liveHolder(dataDir: string): LockHolder | null {
  const file = lockFile(dataDir)
  const h = settledHolder(file)
  return h !== null && h !== 'unreadable' && pidAlive(h.pid, file) ? h : null
}

/** "a running gateway (pid 42, http://127.0.0.1:8080)", "`switchyard migrate` (pid 42)", ... */
export function describeHolder(h: LockHolder): string {
  if (h.command !== 'serve') return `\`switchyard ${h.command}\` (pid ${h.pid})`
  return h.url ? `a running gateway (pid ${h.pid}, ${h.url})` : `a gateway that is starting (pid ${h.pid})`
}

/** A listen address the CLI can connect to: the wildcard hosts become loopback. */
const reachable = (url: string): string => url.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1')

function writeExclusive(file: string, holder: LockHolder): boolean {
  let fd: number
  try {
    fd = openSync(file, 'wx', 0o644)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`)
  } finally {
    closeSync(fd)
  }
  return true
}

/**
 * Removes a stale lock under a short-lived takeover guard, so two processes that both find it stale
 * cannot remove each other's fresh lock. Returns false when another process is taking over right now.
 */
function removeStale(file: string, seen: LockHolder | 'unreadable'): boolean {
  const guard = `${file}.takeover`
  try {
    closeSync(openSync(guard, 'wx'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    // a guard left by a process that died mid-takeover (a takeover takes microseconds)
    try {
      if (Date.now() - statSync(guard).mtimeMs > 5_000) unlinkSync(guard)
    } catch {
      // gone already
    }
    return false
  }
  try {
    const now = readHolder(file)
    const same = now === 'unreadable' ? seen === 'unreadable' : now !== null && seen !== 'unreadable' && now.pid === seen.pid && now.started_at === seen.started_at
    if (same) unlinkSync(file)
    return true
  } finally {
    unlinkSync(guard)
  }
}

/**
 * Takes `<data_dir>/gateway.lock` (created with O_EXCL) for this process, or throws storage_unavailable
 * naming the live holder. A lock whose process is gone is taken over. Released on `release()` and at exit.
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true })
  const file = lockFile(dataDir)
  let mine: LockHolder = { pid: process.pid, started_at: new Date().toISOString(), command }
  for (let attempt = 0; attempt < 50; attempt++) {
    if (writeExclusive(file, mine)) {
      heldHere.add(file)
      let released = false
      const release = () => {
        if (released) return
        released = true
        heldHere.delete(file)
        process.removeListener('exit', release)
        const now = readHolder(file)
        if (now !== null && now !== 'unreadable' && now.pid === mine.pid && now.started_at === mine.started_at) unlinkSync(file)
      }
      process.once('exit', release)
      return {
        file,
        release,
        noteListening(url: string) {
          if (released) return
          mine = { ...mine, url: reachable(url) }
          // write beside, then rename over: a reader never sees a half-written lock
          const tmp = `${file}.${process.pid}.tmp`
          writeFileSync(tmp, `${JSON.stringify(mine)}\n`)
          renameSync(tmp, file)
        },
      }
    }
    const holder = settledHolder(file)
    if (holder === null) continue
    if (holder !== 'unreadable' && pidAlive(holder.pid, file)) {
      throw new GatewayError(
        'storage_unavailable',
        `The embedded database in ${dataDir} is in use by ${describeHolder(holder)}: embedded storage (PGlite) allows one process per data dir. ` +
          `Stop that process, or give this one another storage.data_dir (or DATABASE_URL). If no such process runs, delete ${file}.`,
      )
    }
    if (!removeStale(file, holder)) pause(20)
  }
  throw new GatewayError('storage_unavailable', `Could not take the lock ${file}: other processes keep taking it over.`)
}
