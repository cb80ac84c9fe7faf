import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import { ConfigError } from '../config/yaml-source.js'
import type { Log } from '../call/log.js'
import type { Runtime, RuntimeRef } from './runtime.js'

/** What the reloader reports to metrics (kept narrow so core does not depend on prom-client). */
interface ReloadObserver {
  reloaded(result: 'success' | 'error', version: string): void
}

interface ReloadError {
  at: string
  message: string
  problems: string[]
}

interface PolicyStatus {
  version: string
  loaded_at: string
  rules: number
  rule_names: string[]
  files: string[]
  last_error: ReloadError | null
}

interface ReloadResult {
  ok: boolean
  changed: boolean
  version: string
  errors: string[]
}

interface ReloaderOptions {
  runtime: RuntimeRef
  /** Reads config and policy from disk and builds a runtime; throws ConfigError when invalid. */
  load: () => Runtime
  log: Pick<Log, 'info' | 'warn' | 'error'>
  observer?: ReloadObserver | undefined
  /** Wait after a file event before reloading (editors write in bursts). */
  debounceMs?: number
  /** Polling interval, the fallback when fs.watch misses an event (0 disables). */
  pollMs?: number
}

/** A cheap signature of a file's state; content is read only when it changes. */
function statSignature(file: string): string {
  try {
    const s = statSync(file)
    return `${s.ino}:${s.size}:${s.mtimeMs}`
  } catch {
    return 'missing'
  }
}

function contentOf(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return '\0missing'
  }
}

/**
 * Watches the config and policy files and swaps `runtime.current` when they change to something
 * valid. Invalid changes are logged, counted and kept in `status().last_error`; the running
 * runtime stays. Calls in flight keep the runtime they started with.
 */
export class RuntimeReloader {
  private watchers: FSWatcher[] = []
  private pollTimer: NodeJS.Timeout | null = null
  private debounceTimer: NodeJS.Timeout | null = null
  private stats = ''
  private contents = ''
  private lastError: ReloadError | null = null
  private readonly debounceMs: number
  private readonly pollMs: number

  constructor(private readonly opts: ReloaderOptions) {
    this.debounceMs = opts.debounceMs ?? 150
    this.pollMs = opts.pollMs ?? 1000
    opts.observer?.reloaded('success', opts.runtime.current.policy.version)
  }

  private get files(): string[] {
    return this.opts.runtime.current.config.watchedFiles
  }

  status(): PolicyStatus {
    const rt = this.opts.runtime.current
    return {
      version: rt.policy.version,
      loaded_at: rt.policy.loadedAt.toISOString(),
      rules: rt.policy.ruleCount,
      rule_names: rt.policy.rules.map((r) => r.name),
      files: [...this.files],
      last_error: this.lastError,
    }
  }

  start(): void {
    if (this.pollTimer || this.watchers.length > 0) return
    this.snapshot()
    this.watch()
    if (this.pollMs > 0) {
      this.pollTimer = setInterval(() => this.check(), this.pollMs)
      this.pollTimer.unref()
    }
  }

  stop(): void {
    for (const w of this.watchers) w.close()
    this.watchers = []
    if (this.pollTimer) clearInterval(this.pollTimer)
    if (this.debounceTimer) clearTimeout(this.debounceTimer)
    this.pollTimer = null
    this.debounceTimer = null
  }

  /** Reloads now, whether or not the files changed (POST /admin/policy/reload). */
  reload(): ReloadResult {
    this.snapshot()
    const before = this.opts.runtime.current
    let next: Runtime
    try {
      next = this.opts.load()
    } catch (err) {
      const problems = err instanceof ConfigError ? err.message.split('\n') : [String((err as Error).message ?? err)]
      this.lastError = { at: new Date().toISOString(), message: problems[0] ?? 'reload failed', problems }
      this.opts.observer?.reloaded('error', before.policy.version)
      this.opts.log.error({ errors: problems, version: before.policy.version }, 'config reload rejected; keeping the running version')
      return { ok: false, changed: false, version: before.policy.version, errors: problems }
    }
    const filesBefore = before.config.watchedFiles.join('\n')
    this.opts.runtime.current = next
    this.lastError = null
    this.opts.observer?.reloaded('success', next.policy.version)
    this.opts.log.info({ from: before.policy.version, to: next.policy.version, rules: next.policy.ruleCount }, 'config reloaded')
    if (next.config.watchedFiles.join('\n') !== filesBefore && (this.watchers.length > 0 || this.pollTimer)) {
      for (const w of this.watchers) w.close()
      this.watchers = []
      this.watch()
    }
    this.snapshot()
    return { ok: true, changed: next.policy.version !== before.policy.version, version: next.policy.version, errors: [] }
  }

  /** Reloads when the watched files' content differs from the last attempt. */
  check(): void {
    const stats = this.files.map(statSignature).join('|')
    if (stats === this.stats) return
    this.stats = stats
    const contents = this.files.map(contentOf).join('\0\0')
    if (contents === this.contents) return
    this.reload()
  }

  private snapshot(): void {
    this.stats = this.files.map(statSignature).join('|')
    this.contents = this.files.map(contentOf).join('\0\0')
  }

  private schedule(): void {
    if (this.debounceTimer) clearTimeout(this.debounceTimer)
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null
      this.check()
    }, this.debounceMs)
    this.debounceTimer.unref()
  }

  /** Watches each file's folder (editors replace files, which ends a watch on the file itself). */
  private watch(): void {
    const byDir = new Map<string, Set<string>>()
    for (const f of this.files) {
      const set = byDir.get(dirname(f)) ?? new Set<string>()
      set.add(basename(f))
      byDir.set(dirname(f), set)
    }
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          // `..data` is the symlink Kubernetes swaps when a mounted ConfigMap changes
          if (name === null || names.has(basename(String(name))) || String(name) === '..data') this.schedule()
        })
        w.on('error', (err) => this.opts.log.warn({ err, dir }, 'config watch failed; polling continues'))
        this.watchers.push(w)
      } catch (err) {
        this.opts.log.warn({ err, dir }, 'cannot watch config folder; polling only')
      }
    }
  }
}
