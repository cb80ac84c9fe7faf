import type { CallReads } from '../../ports/call-reads.js'
import type { Queryable } from '../../ports/database.js'
import { listCalls } from '../audit/calls-query.js'
import { usageReport } from '../audit/usage-report.js'
import { sqlSessionCalls } from './sql-session-calls.js'

/** The read side of the audit log on the `calls` table (Postgres or PGlite). */
export function sqlCallReads(db: Queryable): CallReads {
  const sessions = sqlSessionCalls(db)
  return {
    calls: (q) => listCalls(db, q),
    usage: (q) => usageReport(db, q),
    sessionCalls: (id, limit) => sessions(id, limit),
  }
}
