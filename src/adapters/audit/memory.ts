import type { CallRecord } from '../../call/record.js'
import type { AuditRecorder } from '../../ports/audit-sink.js'

/** Keeps the most recent rows in memory (bounded; max 0 keeps none). Used when no durable audit storage is wired. */
export class MemoryAuditRecorder implements AuditRecorder {
  readonly rows: CallRecord[] = []
  constructor(private readonly max = 10_000) {}
  record(row: CallRecord): void {
    this.rows.push(row)
    // trim in large steps so the cost stays O(1) per row on average
    if (this.rows.length > this.max * 2) this.rows.splice(0, this.rows.length - this.max)
  }
  async close(): Promise<void> {}
}
