import t from 'tap'
import { SqlAuditSink } from '../../src/adapters/audit/sql-sink.js'
import { PgliteDatabase } from '../../src/adapters/db/pglite.js'
import { ensurePartitions, migrate } from '../../src/adapters/db/migrate.js'
import type { AuditConfig } from '../../src/config/schema.js'
import type { Database } from '../../src/ports/database.js'
import { sampleRecord } from '../helpers/call-records.js'
import { createScratchDatabase } from '../helpers/database.js'
import { PostgresDatabase } from '../../src/adapters/db/postgres.js'

interface Backend {
  name: string
  open(): Promise<{ db: Database; drop(): Promise<void> }>
}

/** One contract, every backend: PGlite always, Postgres too when DATABASE_URL is set. */
const backends: Backend[] = [{ name: 'pglite', open: async () => { const db = await PgliteDatabase.open(undefined); return { db, drop: () => db.close() } } }]
if (process.env.DATABASE_URL) {
  backends.push({
    name: 'postgres',
    open: async () => {
      const scratch = await createScratchDatabase(process.env.DATABASE_URL!)
      const db = new PostgresDatabase(scratch.url, { max: 2 })
      return { db, drop: async () => { await db.close(); await scratch.drop() } }
    },
  })
} else {
  t.comment('DATABASE_URL unset: audit sink contract runs on PGlite only')
}

interface Row {
  [k: string]: unknown
}

async function all(db: Database, where = 'true', params: unknown[] = []): Promise<Row[]> {
  const { rows } = await db.query<Row>(`SELECT *, cost_usd::float8 AS cost, tableoid::regclass::text AS part FROM calls WHERE ${where} ORDER BY started_at, request_id`, params)
  return rows
}

for (const backend of backends) {
  t.test(`audit sink contract: ${backend.name}`, async (t) => {
    const { db, drop } = await backend.open()
    t.teardown(drop)
    await migrate(db)
    let bodies: AuditConfig['bodies'] = 'none'
    const sink = new SqlAuditSink(db, { bodies: () => bodies, chunkRows: 200 })

    t.test('a NUL in any text or body is dropped, not a failed batch; an escaped backslash before u0000 stays', async (t) => {
      const bodiesBefore = bodies
      bodies = 'full'
      t.teardown(() => void (bodies = bodiesBefore))
      const r = sampleRecord(7001, { errorMessage: 'bad\u0000byte', reason: 'literal \\u0000 text', requestBody: { messages: [{ role: 'user', content: 'a\u0000b' }] } })
      const other = sampleRecord(7002)
      await sink.write([r, other])
      const rows = await all(db, 'request_id = ANY($1)', [[r.requestId, other.requestId]])
      t.equal(rows.length, 2, 'the whole batch is written')
      const row = rows.find((x) => x.request_id === r.requestId)!
      t.equal(row.error_message, 'badbyte')
      t.equal(row.reason, 'literal \\u0000 text')
      t.same(row.request_body, { messages: [{ role: 'user', content: 'ab' }] })
    })

    t.test('every field round-trips', async (t) => {
      const r = sampleRecord(1, { requestBody: { messages: [{ role: 'user', content: 'secret plan' }] }, errorType: 'upstream_error', errorMessage: 'boom' })
      await sink.write([r])
      const [row] = await all(db, 'request_id = $1', [r.requestId])
      t.ok(row, 'row written')
      t.match(row, {
        request_id: r.requestId, endpoint: 'chat.completions', trace_id: 'trace1', team_id: 'legal', key_id: 'key1', user_id: 'alice', session_id: null,
        tags: ['batch', 'n1'], requested_model: 'fast', rule: 'default', policy_version: 'abc123', reason: 'route requested', provider: 'openai', model: 'gpt-4o-mini',
        attempts: [{ provider: 'openai', model: 'gpt-4o-mini', status: 200, latency_ms: 12.5, error: null }], stream: true,
        prompt_tokens: 101, completion_tokens: 20, cached_tokens: 10, reasoning_tokens: 0, usage_estimated: false, cost: 0.0000345,
        ttft_ms: 15, latency_ms: 30.25, status: 200, outcome: r.outcome, error_type: 'upstream_error', error_message: 'boom',
        request_body: null, response_body: null, part: 'calls_2026_11',
      })
      t.equal((row!.started_at as Date).toISOString(), r.startedAt.toISOString(), 'started_at keeps milliseconds')
    })

    t.test('writing the same rows again adds nothing (replay is idempotent)', async (t) => {
      const rows = Array.from({ length: 450 }, (_, i) => sampleRecord(1000 + i))
      await sink.write(rows)
      await sink.write(rows.slice(100, 300))
      await sink.write([...rows.slice(0, 5), ...rows.slice(0, 5)])
      const { rows: n } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM calls WHERE request_id LIKE 'req_001%' OR request_id LIKE 'req_0014%'", [])
      t.equal(n[0]!.n, 450)
    })

    t.test('the same request id at another time is another call', async (t) => {
      const a = sampleRecord(5000)
      const b = { ...a, startedAt: new Date(a.startedAt.getTime() + 1) }
      await sink.write([a, b])
      t.equal((await all(db, 'request_id = $1', [a.requestId])).length, 2)
    })

    t.test('rows outside the prepared months land in the default partition and move when their month is created', async (t) => {
      const old = sampleRecord(6000, { startedAt: new Date(Date.UTC(2024, 0, 15)) })
      await sink.write([old])
      t.equal((await all(db, 'request_id = $1', [old.requestId]))[0]?.part, 'calls_default')
      // simulate the month arriving: create its partition the way maintenance does
      await db.query(`CREATE TABLE calls_2024_01 (LIKE calls INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`)
      await db.query(`WITH moved AS (DELETE FROM calls_default WHERE started_at >= '2024-01-01Z' AND started_at < '2024-02-01Z' RETURNING *) INSERT INTO calls_2024_01 SELECT * FROM moved`)
      await db.query(`ALTER TABLE calls ATTACH PARTITION calls_2024_01 FOR VALUES FROM ('2024-01-01Z') TO ('2024-02-01Z')`)
      t.equal((await all(db, 'request_id = $1', [old.requestId]))[0]?.part, 'calls_2024_01')
      t.equal(await ensurePartitions(db), 0)
    })

    t.test('body modes: none, redacted, full', async (t) => {
      const body = { model: 'fast', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'my key is sk-abcdefghijklmnop1234' }], temperature: 0.2 }
      const response = { choices: [{ index: 0, message: { role: 'assistant', content: 'hello there' }, finish_reason: 'stop' }] }
      const ids: Record<string, string> = {}
      for (const mode of ['none', 'redacted', 'full'] as const) {
        bodies = mode
        const r = sampleRecord(7000, { requestBody: body, responseBody: response })
        ids[mode] = r.requestId
        await sink.write([r])
      }
      bodies = 'none'
      const get = async (mode: string) => (await all(db, 'request_id = $1', [ids[mode]]))[0]!
      t.equal((await get('none')).request_body, null)
      t.same((await get('redacted')).request_body, { model: 'fast', messages: [{ role: 'system', content: '[redacted 8 chars]' }, { role: 'user', content: '[redacted 33 chars]' }], temperature: 0.2 })
      t.same((await get('redacted')).response_body, { choices: [{ index: 0, message: { role: 'assistant', content: '[redacted 11 chars]' }, finish_reason: 'stop' }] })
      t.same((await get('full')).request_body, { ...body, messages: [body.messages[0], { role: 'user', content: 'my key is [secret]' }] }, 'full keeps text but masks credentials')
    })

    t.test('a failed write rejects (so the recorder can spool)', async (t) => {
      await db.query('ALTER TABLE calls ADD CONSTRAINT no_team_x CHECK (team_id IS DISTINCT FROM \'x\')')
      await t.rejects(sink.write([sampleRecord(8000, { teamId: 'x' })]))
      await db.query('ALTER TABLE calls DROP CONSTRAINT no_team_x')
    })
  })
}
