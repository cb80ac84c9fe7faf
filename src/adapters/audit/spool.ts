import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs'
import { open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { CallRecord } from '../../call/record.js'

const SEGMENT = /^spool-(\d{12})\.jsonl$/
const segmentName = (seq: number): string => `spool-${String(seq).padStart(12, '0')}.jsonl`

function revive(line: string): CallRecord | null {
  try {
    const r = JSON.parse(line) as CallRecord & { startedAt: string }
    return { ...r, startedAt: new Date(r.startedAt) }
  } catch {
    return null // a line cut short by a crash: its call was never acknowledged as written
  }
}

/**
 * Append-only spool of audit rows on local disk: JSON lines in numbered segment files, fsync'd per batch.
 * Rows are appended to the newest segment and read back from the oldest, so replay keeps their order.
 * A segment is deleted only after every row in it was written to the database.
 */
export class Spool {
  private seq: number
  private pending = 0
  /** The segment being replayed, held in memory with a cursor (re-read from disk after a restart). */
  private head: { seq: number; rows: CallRecord[]; next: number } | null = null

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true })
    const existing = this.segments()
    this.seq = (existing[existing.length - 1] ?? 0) + 1
    for (const s of existing) this.pending += this.readSegmentSync(s).length
  }

  private segments(): number[] {
    return readdirSync(this.dir)
      .map((f) => SEGMENT.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b)
  }

  private readSegmentSync(seq: number): CallRecord[] {
    return parseLines(readFileSync(join(this.dir, segmentName(seq)), 'utf8'))
  }

  /** Rows on disk not yet written to the database. */
  get size(): number {
    return this.pending
  }

  /** Appends rows to the current segment and fsyncs before resolving. */
  async append(rows: readonly CallRecord[]): Promise<void> {
    if (rows.length === 0) return
    const fh = await open(join(this.dir, segmentName(this.seq)), 'a')
    try {
      await fh.write(serialize(rows))
      await fh.datasync()
    } finally {
      await fh.close()
    }
    this.pending += rows.length
  }

  /** The same, blocking: for rows that arrive after shutdown began or when the memory queue is full. */
  appendSync(rows: readonly CallRecord[]): void {
    if (rows.length === 0) return
    const fd = openSync(join(this.dir, segmentName(this.seq)), 'a')
    try {
      writeSync(fd, serialize(rows))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    this.pending += rows.length
  }

  /** The next rows to replay (oldest first), up to `max`; empty when the spool is drained. */
  async peek(max: number): Promise<CallRecord[]> {
    if (!this.head || this.head.next >= this.head.rows.length) {
      const oldest = this.segments()[0]
      if (oldest === undefined) return []
      // never replay the segment still being appended to: start a new one first
      if (oldest === this.seq) this.seq += 1
      this.head = { seq: oldest, rows: parseLines(await readFile(join(this.dir, segmentName(oldest)), 'utf8')), next: 0 }
      if (this.head.rows.length === 0) {
        await this.dropHead()
        return this.peek(max)
      }
    }
    return this.head.rows.slice(this.head.next, this.head.next + max)
  }

  /** Marks the first `n` peeked rows as written; deletes the segment once all of it is. */
  async advance(n: number): Promise<void> {
    if (!this.head) return
    this.head.next += n
    this.pending = Math.max(0, this.pending - n)
    if (this.head.next >= this.head.rows.length) await this.dropHead()
  }

  private async dropHead(): Promise<void> {
    if (!this.head) return
    await unlink(join(this.dir, segmentName(this.head.seq))).catch(() => undefined)
    this.head = null
  }
}

function serialize(rows: readonly CallRecord[]): string {
  let out = ''
  for (const r of rows) out += `${JSON.stringify(r)}\n`
  return out
}

function parseLines(text: string): CallRecord[] {
  const rows: CallRecord[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const r = revive(line)
    if (r) rows.push(r)
  }
  return rows
}
