import type { GatewayConfig } from '../../config/load.js'
import type { RuntimeRef } from '../../runtime/runtime.js'
import type { ReadinessCheck } from '../../ports/readiness.js'
import type { Metrics } from '../../observability/metrics.js'
import type { Database } from '../../ports/database.js'
import { ensurePartitions } from '../db/migrate.js'
import { BufferedAuditRecorder } from './buffered.js'
import { SqlAuditSink } from './sql-sink.js'

interface AuditLog {
  warn(obj: object, msg?: string): void
}

const PARTITION_CHECK_MS = 6 * 3600_000

/**
 * The durable audit path: buffered recorder -> SQL sink -> `calls` (Postgres or PGlite), with the
 * spool in `config.spoolDir` (`<data_dir>/spool` by default). Also returns the database readiness check (degraded while spooling).
 */
export function openAudit(deps: { config: GatewayConfig; runtime: RuntimeRef; database: Database; prepare: () => Promise<void>; metrics: Metrics; log: AuditLog }) {
  const a = deps.config.gateway.audit
  const m = deps.metrics
  let failuresLogged = 0
  const sink = new SqlAuditSink(deps.database, { bodies: () => deps.runtime.current.config.gateway.audit.bodies, prepare: deps.prepare })
  const recorder = new BufferedAuditRecorder(sink, {
    spoolDir: deps.config.spoolDir,
    batchMs: a.batch_ms,
    batchRows: a.batch_rows,
    queueMax: a.queue_max,
    writeTimeoutMs: a.write_timeout_ms,
    events: {
      queueDepth: (n) => m.auditQueueDepth.set(n),
      spoolDepth: (n) => m.auditSpoolDepth.set(n),
      written: (n) => m.auditRowsWritten.inc(n),
      spooled: (n) => m.auditRowsSpooled.inc(n),
      writeFailed: (err) => {
        m.auditWriteFailures.inc()
        m.storageErrors.inc({ backend: 'postgres' })
        // one line per outage burst, not one per retry
        if (failuresLogged++ % 50 === 0) deps.log.warn({ err: err.message, spooled: recorder.spooled }, 'audit write failed; rows go to the spool')
      },
    },
  })

  const partitions = setInterval(() => {
    ensurePartitions(deps.database).catch((err: Error) => deps.log.warn({ err: err.message }, 'calls partition maintenance failed'))
  }, PARTITION_CHECK_MS)
  partitions.unref()

  const readiness: ReadinessCheck = {
    name: 'database',
    async check() {
      const spooled = recorder.spooled
      try {
        await Promise.race([deps.database.query('SELECT 1', []), new Promise((_, rej) => setTimeout(() => rej(new Error('timed out')), 2_000).unref())])
      } catch (err) {
        return { ok: true, degraded: true, detail: `${deps.database.kind} unreachable (${(err as Error).message}); ${spooled} audit rows spooled` }
      }
      if (spooled > 0) return { ok: true, degraded: true, detail: `${deps.database.kind}; replaying ${spooled} spooled audit rows` }
      return { ok: true, detail: deps.database.kind }
    },
  }

  return {
    recorder,
    readiness,
    async close() {
      clearInterval(partitions)
      await recorder.close()
    },
  }
}
