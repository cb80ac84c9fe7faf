import type { CallRecord } from '../call/record.js'

/** Where finished call records go. Storage adapters implement `write`; the recorder batches in front. */
export interface AuditSink {
  write(rows: readonly CallRecord[]): Promise<void>
  close(): Promise<void>
}

/** What the request path sees: a non-blocking hand-off. */
export interface AuditRecorder {
  record(row: CallRecord): void
  /** Flushes everything queued (SIGTERM path). */
  close(): Promise<void>
}
