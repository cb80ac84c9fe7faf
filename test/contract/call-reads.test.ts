import t from 'tap'
import { SqlAuditSink } from '../../src/adapters/audit/sql-sink.js'
import { migrate } from '../../src/adapters/db/migrate.js'
import { PgliteDatabase } from '../../src/adapters/db/pglite.js'
import { PostgresDatabase } from '../../src/adapters/db/postgres.js'
import { memoryCallReads } from '../../src/adapters/reads/memory-call-reads.js'
import { sqlCallReads } from '../../src/adapters/reads/sql-call-reads.js'
import type { CallRecord } from '../../src/call/record.js'
import type { CallReads } from '../../src/ports/call-reads.js'
import { sampleRecord } from '../helpers/call-records.js'
import { createScratchDatabase } from '../helpers/database.js'

interface Backend {
  name: string
  /** A read model holding exactly `rows`. */
  open(rows: CallRecord[]): Promise<{ reads: CallReads; close(): Promise<void> }>
}

async function sql(db: Awaited<ReturnType<typeof PgliteDatabase.open>> | PostgresDatabase, rows: CallRecord[]) {
  await migrate(db)
  await new SqlAuditSink(db).write(rows)
  return sqlCallReads(db)
}

/** One contract, every read model: in memory, PGlite, and Postgres when DATABASE_URL is set. */
const backends: Backend[] = [
  { name: 'memory', open: async (rows) => ({ reads: memoryCallReads(() => rows), close: async () => {} }) },
  { name: 'pglite', open: async (rows) => { const db = await PgliteDatabase.open(undefined); return { reads: await sql(db, rows), close: () => db.close() } } },
]
if (process.env.DATABASE_URL) {
  backends.push({
    name: 'postgres',
    open: async (rows) => {
      const scratch = await createScratchDatabase(process.env.DATABASE_URL!)
      const db = new PostgresDatabase(scratch.url, { max: 2 })
      return { reads: await sql(db, rows), close: async () => { await db.close(); await scratch.drop() } }
    },
  })
}

// 40 calls over two teams, three keys, one session; every outcome; one call that no target served
const rows = Array.from({ length: 40 }, (_, i) => sampleRecord(i))
Object.assign(rows[7]!, { provider: null, model: null, requestedModel: 'smart', attempts: [], outcome: 'upstream_error', costUsd: null, promptTokens: null, completionTokens: null, cachedTokens: null })
Object.assign(rows[8]!, { runId: 'run_1', stepId: 'research', endpoint: 'workflow', omitted: ['web_search'] })
Object.assign(rows[9]!, { usageEstimated: true, costUsd: 0.5 })

for (const backend of backends) {
  t.test(`call reads contract: ${backend.name}`, async (t) => {
    const { reads, close } = await backend.open(rows)
    t.teardown(close)

    t.test('calls by team, key and session, oldest first, limited', async (t) => {
      const research = await reads.calls({ team: 'research', limit: 100 })
      t.equal(research.length, 20)
      t.ok(research.every((r) => r.team_id === 'research'))
      const times = research.map((r) => new Date(r.started_at as string).getTime())
      t.same(times, [...times].sort((a, b) => a - b), 'oldest first')
      t.equal((await reads.calls({ key: 'key1', limit: 5 })).length, 5, 'limit')
      const session = await reads.calls({ session: 'sess-1', limit: 100 })
      t.same(session.map((r) => r.request_id), rows.filter((r) => r.sessionId === 'sess-1').map((r) => r.requestId))
      const since = await reads.calls({ team: 'legal', since: rows[30]!.startedAt, limit: 100 })
      t.same(since.map((r) => r.request_id), rows.filter((r, i) => i >= 30 && r.teamId === 'legal').map((r) => r.requestId), 'since')
      const run = (await reads.calls({ team: 'research', limit: 100 })).find((r) => r.request_id === rows[8]!.requestId)!
      t.match(run, { run_id: 'run_1', step_id: 'research', endpoint: 'workflow', omitted: ['web_search'], cache_hit: false, outcome: rows[8]!.outcome })
      const bodies = await reads.calls({ team: 'research', limit: 1, withBodies: true })
      t.ok('request_body' in bodies[0]!, 'bodies only when asked')
      t.notOk('request_body' in research[0]!)
    })

    t.test('usage grouped, biggest spend first; failed calls under the model they asked for', async (t) => {
      const since = new Date(0)
      const byTeam = await reads.usage({ by: 'team', since })
      t.same(byTeam.data.map((r) => r.group), ['legal', 'research'], 'legal holds the 0.5 USD call')
      t.equal(byTeam.total.calls, 40)
      t.equal(byTeam.total.estimated_calls, 1)
      t.equal(byTeam.total.errors, rows.filter((r) => r.outcome !== 'ok').length)
      t.equal(byTeam.total.prompt_tokens, rows.reduce((n, r) => n + (r.promptTokens ?? 0), 0))
      const byModel = await reads.usage({ by: 'model', since })
      t.same(byModel.data.map((r) => [r.group, r.calls]), [['openai/gpt-4o-mini', 39], ['smart', 1]])
      const legal = await reads.usage({ by: 'key', since, team: 'legal' })
      t.equal(legal.total.calls, 20, 'team filter')
    })

    t.test('a session\'s calls, oldest first', async (t) => {
      const calls = await reads.sessionCalls('sess-1', 3)
      t.same(calls.map((c) => c.request_id), rows.filter((r) => r.sessionId === 'sess-1').slice(0, 3).map((r) => r.requestId))
      t.match(calls[0], { team: 'research', requested_model: 'fast', provider: 'openai', model: 'gpt-4o-mini', prompt_tokens: 100 })
    })
  })
}
