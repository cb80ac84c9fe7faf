import t from 'tap'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BufferedAuditRecorder } from '../../src/adapters/audit/buffered.js'
import type { CallRecord } from '../../src/call/record.js'
import type { AuditSink } from '../../src/ports/audit-sink.js'
import { sampleRecord } from '../helpers/call-records.js'

/** A sink the test can break, slow down and inspect; like the SQL sink it keeps one row per request id. */
class FakeSink implements AuditSink {
  batches: number[] = []
  rows = new Map<string, CallRecord>()
  order: string[] = []
  down = false
  delayMs = 0
  closed = false
  async write(rows: readonly CallRecord[]): Promise<void> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs))
    if (this.down) throw new Error('connection refused')
    this.batches.push(rows.length)
    for (const r of rows) {
      if (!this.rows.has(r.requestId)) this.order.push(r.requestId)
      this.rows.set(r.requestId, r)
    }
  }
  async close(): Promise<void> {
    this.closed = true
  }
}

const spoolDir = () => join(mkdtempSync(join(tmpdir(), 'sy-spool-')), 'spool')
const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 10))
  }
}

t.test('batches by row count and by time, off the caller', async (t) => {
  const sink = new FakeSink()
  const rec = new BufferedAuditRecorder(sink, { spoolDir: spoolDir(), batchMs: 50, batchRows: 100 })
  for (let i = 0; i < 250; i++) rec.record(sampleRecord(i))
  t.equal(sink.rows.size, 0, 'record() never writes synchronously')
  await until(() => sink.rows.size === 250)
  t.same(sink.batches.slice(0, 2), [100, 100], 'full batches of batchRows')
  t.ok(sink.batches.every((n) => n <= 100))
  rec.record(sampleRecord(999))
  await until(() => sink.rows.size === 251)
  t.equal(sink.batches.at(-1), 1, 'a lone row goes out after batchMs')
  await rec.close()
  t.ok(sink.closed)
})

t.test('rows that arrive during a write wait for the next tick: one statement per batch interval, not one per write', async (t) => {
  const sink = new FakeSink()
  sink.delayMs = 20
  const rec = new BufferedAuditRecorder(sink, { spoolDir: spoolDir(), batchMs: 100, batchRows: 1000 })
  // a steady trickle for 0.6 s: with back-to-back writes this made a statement every ~20 ms (about 30)
  const started = Date.now()
  let n = 0
  while (Date.now() - started < 600) {
    rec.record(sampleRecord(n++))
    await new Promise((r) => setTimeout(r, 2))
  }
  await until(() => sink.rows.size === n)
  t.ok(sink.batches.length <= 9, `${n} rows in ${sink.batches.length} statements over ${Date.now() - started} ms`)
  await rec.close()
})

t.test('a failing sink: rows spool to disk, then replay in order without duplicates', async (t) => {
  const sink = new FakeSink()
  const dir = spoolDir()
  const events = { written: 0, spooled: 0, failures: 0, depth: 0 }
  const rec = new BufferedAuditRecorder(sink, {
    spoolDir: dir, batchMs: 20, batchRows: 50, retryMinMs: 20, retryMaxMs: 50,
    events: { written: (n) => (events.written += n), spooled: (n) => (events.spooled += n), writeFailed: () => events.failures++, spoolDepth: (n) => (events.depth = n) },
  })
  const all: CallRecord[] = []
  const add = (n: number) => {
    for (let i = 0; i < n; i++) {
      const r = sampleRecord(all.length)
      all.push(r)
      rec.record(r)
    }
  }
  add(120)
  await until(() => sink.rows.size === 120)
  sink.down = true
  add(300)
  await until(() => rec.spooled === 300)
  const files = readdirSync(dir)
  t.ok(files.length >= 1 && files.every((f) => /^spool-\d+\.jsonl$/.test(f)), 'JSON-lines segments on disk')
  const line = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8').split('\n')[0]!)
  t.equal(line.requestId, all[120]!.requestId, 'the first spooled row is the first that failed')
  t.ok(events.failures > 0 && events.spooled === 300 && events.depth === 300)
  sink.down = false
  add(80)
  await until(() => sink.rows.size === 500 && rec.spooled === 0)
  t.same(sink.order, all.map((r) => r.requestId), 'the database saw every row once, in recording order')
  t.equal(readdirSync(dir).length, 0, 'replayed segments are deleted')
  t.equal(events.written, 500)
  await rec.close()
})

t.test('a slow sink counts as failed: its batch spools, and a late commit is harmless', async (t) => {
  const sink = new FakeSink()
  sink.delayMs = 300
  const rec = new BufferedAuditRecorder(sink, { spoolDir: spoolDir(), batchMs: 20, batchRows: 10, writeTimeoutMs: 50, retryMinMs: 20, retryMaxMs: 40 })
  for (let i = 0; i < 10; i++) rec.record(sampleRecord(i))
  await until(() => rec.spooled === 10)
  sink.delayMs = 0
  await until(() => rec.spooled === 0 && sink.rows.size === 10)
  t.equal(sink.rows.size, 10, 'ten calls, ten rows')
  await rec.close()
})

t.test('close() flushes the queue and the spool; what still fails stays on disk for the next start', async (t) => {
  const sink = new FakeSink()
  const dir = spoolDir()
  sink.down = true
  const rec = new BufferedAuditRecorder(sink, { spoolDir: dir, batchMs: 10_000, batchRows: 1000, retryMinMs: 10, retryMaxMs: 20, closeTimeoutMs: 200 })
  for (let i = 0; i < 40; i++) rec.record(sampleRecord(i))
  await rec.close()
  t.equal(sink.rows.size, 0)
  t.equal(rec.spooled, 40, 'nothing lost: all on disk')
  rec.record(sampleRecord(41))
  t.equal(rec.spooled, 41, 'a straggler after close goes to disk synchronously')

  sink.down = false
  const next = new BufferedAuditRecorder(sink, { spoolDir: dir, batchMs: 10, batchRows: 1000 })
  t.equal(next.spooled, 41, 'a new recorder finds the spool')
  await until(() => sink.rows.size === 41)
  await next.close()
  t.equal(next.spooled, 0)
})

t.test('close() writes what is queued when the sink is healthy', async (t) => {
  const sink = new FakeSink()
  const rec = new BufferedAuditRecorder(sink, { spoolDir: spoolDir(), batchMs: 60_000, batchRows: 10_000 })
  for (let i = 0; i < 123; i++) rec.record(sampleRecord(i))
  t.equal(sink.rows.size, 0)
  await rec.close()
  t.equal(sink.rows.size, 123)
})

t.test('a full memory queue spills to disk instead of growing or dropping', async (t) => {
  const sink = new FakeSink()
  sink.delayMs = 200
  const rec = new BufferedAuditRecorder(sink, { spoolDir: spoolDir(), batchMs: 10, batchRows: 5, queueMax: 20, retryMinMs: 10 })
  for (let i = 0; i < 5; i++) rec.record(sampleRecord(i))
  await new Promise((r) => setTimeout(r, 30)) // first batch in flight
  for (let i = 5; i < 60; i++) rec.record(sampleRecord(i))
  t.ok(rec.queued <= 20, `queue bounded (${rec.queued})`)
  t.ok(rec.spooled > 0, 'overflow went to disk')
  sink.delayMs = 0
  await until(() => sink.rows.size === 60)
  await rec.close()
})
