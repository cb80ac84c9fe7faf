import t from 'tap'
import { openTestDatabase, type TestDatabase } from '../helpers/database.js'
import { sampleRecord } from '../helpers/call-records.js'
import { migrate } from '../../src/adapters/db/migrate.js'
import { SqlAuditSink } from '../../src/adapters/audit/sql-sink.js'
import { renderUsage, usageReport } from '../../src/adapters/audit/usage-report.js'
import type { CallRecord } from '../../src/call/record.js'

/** `switchyard usage --by model` and GET /admin/usage?by=model share usageReport: failed calls count under the model asked for. */
let tdb: TestDatabase

t.before(async () => {
  tdb = await openTestDatabase(t)
  await migrate(tdb.db)
})
t.teardown(() => tdb?.drop())

const served = (i: number, requested: string, provider: string, model: string, cost: number): CallRecord =>
  sampleRecord(i, { requestedModel: requested, provider, model, outcome: 'ok', status: 200, costUsd: cost })
/** A call no target served: no provider, no model, no tokens, no cost. */
const failed = (i: number, requested: string | null, outcome: CallRecord['outcome'], status: number): CallRecord =>
  sampleRecord(i, {
    requestedModel: requested, provider: null, model: null, outcome, status, attempts: [], costUsd: null,
    promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null, errorType: 'api_error', errorMessage: 'failed',
  })

t.test('by model: a failed call is filed under the model the client requested', async (t) => {
  await new SqlAuditSink(tdb.db).write([
    served(1, 'fast', 'openai', 'gpt-4o-mini', 0.002),
    served(2, 'fast', 'openai', 'gpt-4o-mini', 0.002),
    served(3, 'smart', 'anthropic', 'claude-sonnet-4-5', 0.01),
    failed(4, 'smart', 'upstream_error', 502),
    failed(5, 'smart', 'timeout', 504),
    failed(6, 'openai/gpt-4o-mini', 'rate_limited', 429),
    failed(7, null, 'invalid_request', 400),
  ])
  const since = new Date(Date.UTC(2026, 0, 1))
  const report = await usageReport(tdb.db, { by: 'model', since })
  const byGroup = new Map(report.data.map((r) => [r.group, r]))
  t.match(byGroup.get('smart'), { calls: 2, errors: 2, cost_usd: 0 }, 'the two failed "smart" calls')
  t.match(byGroup.get('anthropic/claude-sonnet-4-5'), { calls: 1, errors: 0 }, 'the served "smart" call under its target')
  t.match(byGroup.get('openai/gpt-4o-mini'), { calls: 1 + 2, errors: 1 }, 'a failed call that asked for provider/model joins that target')
  t.match(byGroup.get(null), { calls: 1, errors: 1 }, 'a call that named no model at all stays unnamed')
  t.equal(report.total.calls, 7, 'every call is counted once')
  t.equal(report.total.errors, 4)
  t.equal(report.data.reduce((n, r) => n + r.calls, 0), 7)
  t.match(renderUsage(report, 'table'), /^smart\s+2\s+2\s/m, 'the table shows the requested model')

  const byTeam = await usageReport(tdb.db, { by: 'team', since })
  t.equal(byTeam.total.calls, report.total.calls, 'the same calls as grouped by team')
})
