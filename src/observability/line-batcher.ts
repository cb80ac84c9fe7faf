import type { DestinationStream } from 'pino'

/** What the batcher writes to: sonic-boom, as pino.destination() builds it. */
interface BatchTarget {
  write(text: string): unknown
  flush?(cb?: (err?: Error) => void): void
  flushSync?(): void
}

const pending = new Set<LineBatcher>()
let exitHooked = false

/**
 * Collects log lines and hands them to the destination in batches of `minChars` characters or more,
 * and at least every `periodMs`. sonic-boom's own batching (minLength) measures the whole buffered
 * string on every line (Buffer.byteLength of a growing rope, flattened each time), which made one
 * call line cost several microseconds; here a line costs an array push, and each batch is joined
 * and measured once. Lines keep their order: every line of the logger goes through here.
 * Pending lines are written synchronously at process exit.
 */
export class LineBatcher implements DestinationStream {
  private lines: string[] = []
  private chars = 0
  private readonly timer: NodeJS.Timeout

  constructor(private readonly target: BatchTarget, private readonly minChars = 16_384, periodMs = 250) {
    this.timer = setInterval(() => this.drain(), periodMs)
    this.timer.unref()
    pending.add(this)
    if (!exitHooked) {
      // ahead of pino's own exit handlers, which flush and end the destination
      exitHooked = true
      process.prependListener('beforeExit', () => {
        for (const b of pending) b.drain()
      })
      process.prependListener('exit', () => {
        for (const b of pending) b.flushSync()
      })
    }
  }

  write(line: string): boolean {
    this.lines.push(line)
    this.chars += line.length
    if (this.chars >= this.minChars) this.drain()
    return true
  }

  /** Hands every pending line to the destination (asynchronously written from there). */
  drain(): void {
    if (this.lines.length === 0) return
    const text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('')
    this.lines = []
    this.chars = 0
    try {
      this.target.write(text)
    } catch {
      // destination closed (process exiting): nothing left to write to
    }
  }

  flush(cb?: (err?: Error) => void): void {
    this.drain()
    if (this.target.flush) this.target.flush(cb)
    else cb?.()
  }

  flushSync(): void {
    this.drain()
    try {
      this.target.flushSync?.()
    } catch {
      // destination not ready or already closed
    }
  }

  /** Stops the timer; pending lines are written. */
  close(): void {
    clearInterval(this.timer)
    this.drain()
    pending.delete(this)
  }
}
