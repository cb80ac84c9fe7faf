import type { CallRecord } from '../../call/record.js'
import type { AuditRecorder, AuditSink } from '../../ports/audit-sink.js'
import { Spool } from './spool.js'

/** What the recorder reports; the gateway maps these onto Prometheus metrics. */
interface AuditRecorderEvents {
  queueDepth(n: number): void
  written(n: number): void
  spooled(n: number): void
  writeFailed(err: Error): void
  spoolDepth(n: number): void
}

interface BufferedOptions {
  spoolDir: string
  batchMs?: number
  batchRows?: number
  /** Rows held in memory before they go straight to the spool. */
  queueMax?: number
  /** A write slower than this is treated as failed: its rows are spooled (a late commit is deduplicated on replay). */
  writeTimeoutMs?: number
  /** First and longest wait between replay attempts while the database is failing. */
  retryMinMs?: number
  retryMaxMs?: number
  /** How long close() keeps trying to write spooled rows before leaving them for the next start. */
  closeTimeoutMs?: number
  events?: Partial<AuditRecorderEvents>
}

class TimeoutError extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`audit write took longer than ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Takes rows off the request path and writes them in batches (every `batchMs` or `batchRows` rows).
 * When the sink fails or is slow, rows go to an append-only spool on disk, and while anything is
 * spooled new rows queue behind it, so the database receives rows in the order they were recorded.
 * The sink must be idempotent (a row may be written twice when a timed-out write commits late).
 */
export class BufferedAuditRecorder implements AuditRecorder {
  private queue: CallRecord[] = []
  private readonly spool: Spool
  private readonly batchMs: number
  private readonly batchRows: number
  private readonly queueMax: number
  private readonly writeTimeoutMs: number
  private readonly retryMinMs: number
  private readonly retryMaxMs: number
  private readonly closeTimeoutMs: number
  private readonly ev: Partial<AuditRecorderEvents>
  private timer: NodeJS.Timeout | null = null
  private pumping: Promise<void> | null = null
  private retryAt = 0
  private retryDelay: number
  private closing = false
  private closed = false
  private lastError: string | null = null
  private soon = false

  constructor(
    private readonly sink: AuditSink,
    opts: BufferedOptions,
  ) {
    this.spool = new Spool(opts.spoolDir)
    this.batchMs = opts.batchMs ?? 100
    this.batchRows = opts.batchRows ?? 500
    this.queueMax = opts.queueMax ?? 50_000
    this.writeTimeoutMs = opts.writeTimeoutMs ?? 5_000
    this.retryMinMs = opts.retryMinMs ?? 250
    this.retryMaxMs = opts.retryMaxMs ?? 5_000
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 10_000
    this.retryDelay = this.retryMinMs
    this.ev = opts.events ?? {}
    this.ev.spoolDepth?.(this.spool.size)
    this.timer = setInterval(() => void this.kick(), this.batchMs)
    this.timer.unref()
  }

  /** Rows waiting on disk for the database (0 when healthy). */
  get spooled(): number {
    return this.spool.size
  }

  get queued(): number {
    return this.queue.length
  }

  /** Why the last write failed, while the spool is in use. */
  get failure(): string | null {
    return this.spool.size > 0 ? this.lastError : null
  }

  record(row: CallRecord): void {
    if (this.closed) {
      // a straggler after shutdown: never dropped, written by the next start
      this.spool.appendSync([row])
      this.ev.spooled?.(1)
      return
    }
    this.queue.push(row)
    if (this.queue.length > this.queueMax) {
      const overflow = this.queue.splice(0, this.queue.length)
      this.spool.appendSync(overflow)
      this.ev.spooled?.(overflow.length)
      this.ev.spoolDepth?.(this.spool.size)
    }
    this.ev.queueDepth?.(this.queue.length)
    if (this.queue.length >= this.batchRows && !this.soon) {
      // never on the caller's stack: the request that filled the batch does not pay for writing it
      this.soon = true
      setImmediate(() => {
        this.soon = false
        void this.kick()
      })
    }
  }

  /** Starts a pump unless one runs; resolves when that pump ends. */
  private kick(): Promise<void> {
    if (!this.pumping) {
      this.pumping = this.pump().catch((err: Error) => this.ev.writeFailed?.(err)).finally(() => {
        this.pumping = null
      })
    }
    return this.pumping
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.spool.size > 0) {
        // keep order: whatever is queued goes behind the spooled rows
        if (this.queue.length > 0) await this.toSpool(this.queue.splice(0, this.queue.length))
        if (Date.now() < this.retryAt) return
        if (!(await this.replayOnce())) return
        continue
      }
      if (this.queue.length === 0) return
      const batch = this.queue.splice(0, this.batchRows)
      this.ev.queueDepth?.(this.queue.length)
      if (!(await this.tryWrite(batch))) await this.toSpool(batch)
      // rows that arrived during the write wait for the next tick unless a full batch is waiting
      // (or the recorder is closing): one round trip and one commit per batch interval, not one per
      // write's duration, which under load would be a statement every millisecond or two
      if (this.queue.length < this.batchRows && !this.closing) return
    }
  }

  private async tryWrite(rows: CallRecord[]): Promise<boolean> {
    try {
      await withTimeout(this.sink.write(rows), this.writeTimeoutMs)
      this.ev.written?.(rows.length)
      this.retryDelay = this.retryMinMs
      this.lastError = null
      return true
    } catch (err) {
      this.lastError = (err as Error).message
      this.ev.writeFailed?.(err as Error)
      this.retryAt = Date.now() + this.retryDelay
      this.retryDelay = Math.min(this.retryMaxMs, this.retryDelay * 2)
      return false
    }
  }

  private async toSpool(rows: CallRecord[]): Promise<void> {
    try {
      await this.spool.append(rows)
    } catch {
      // disk trouble too: keep the rows in memory at the front of the queue rather than lose them
      this.queue.unshift(...rows)
      throw new Error('audit spool append failed')
    }
    this.ev.spooled?.(rows.length)
    this.ev.spoolDepth?.(this.spool.size)
  }

  /** Writes the oldest spooled rows; false when the database still fails. */
  private async replayOnce(): Promise<boolean> {
    const rows = await this.spool.peek(this.batchRows)
    if (rows.length === 0) return true
    if (!(await this.tryWrite(rows))) return false
    await this.spool.advance(rows.length)
    this.ev.spoolDepth?.(this.spool.size)
    return true
  }

  /** Stops intake, writes the queue, then replays the spool until it is empty or `closeTimeoutMs` passes. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    const deadline = Date.now() + this.closeTimeoutMs
    for (;;) {
      await this.pumping
      this.retryAt = 0
      await this.kick().catch(() => undefined)
      if ((this.queue.length === 0 && this.spool.size === 0) || Date.now() >= deadline) break
      await new Promise((r) => setTimeout(r, Math.min(this.retryDelay, Math.max(0, deadline - Date.now()))))
    }
    this.closed = true
    if (this.queue.length > 0) this.spool.appendSync(this.queue.splice(0, this.queue.length))
    this.ev.queueDepth?.(0)
    this.ev.spoolDepth?.(this.spool.size)
    await this.sink.close()
  }
}
