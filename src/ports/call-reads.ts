import type { SessionCall } from '../context/session-view.js'
import type { UsageGroup, UsageReport } from '../adapters/audit/usage-report.js'

interface CallsQuery {
  session?: string
  team?: string
  key?: string
  since?: Date
  limit: number
  withBodies?: boolean
}

/** An audit row as the admin API lists it: the `calls` columns, snake_case. */
export type CallRow = Record<string, unknown>

/**
 * What the admin API (and the console) read of the audit log: calls by filter, usage grouped, a
 * session's calls. The SQL adapter reads the `calls` table (Postgres or PGlite); the memory adapter
 * reads the in-memory recorder's rows. Both pass test/contract/call-reads.test.ts.
 */
export interface CallReads {
  calls(q: CallsQuery): Promise<CallRow[]>
  usage(q: { by: UsageGroup; since: Date; team?: string }): Promise<UsageReport>
  sessionCalls(sessionId: string, limit: number): Promise<SessionCall[]>
}
