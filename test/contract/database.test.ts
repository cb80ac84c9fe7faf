import t from 'tap'
import { ensurePartitions, migrate } from '../../src/adapters/db/migrate.js'
import { inTransaction } from '../../src/ports/database.js'
import { openTestDatabase, type TestDatabase } from '../helpers/database.js'

let tdb: TestDatabase
t.before(async () => {
  tdb = await openTestDatabase(t)
})
t.teardown(() => tdb.drop())

t.test('migrations apply once, then there is nothing to do', async (t) => {
  const first = await migrate(tdb.db)
  t.ok(first.includes('1763942400000_calls'), 'the calls migration ran')
  t.same(await migrate(tdb.db), [], 'second run is a no-op')
  const { rows } = await tdb.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'calls'::regclass")
  t.ok((rows[0]?.n ?? 0) >= 5, `calls has monthly partitions ahead plus default (${rows[0]?.n})`)
  t.equal(await ensurePartitions(tdb.db), 0, 'partitions already exist')
  t.equal(await ensurePartitions(tdb.db, 6), 3, 'three more months created on demand')
})

t.test('both backends answer the same shapes', async (t) => {
  const { rows } = await tdb.db.query<{ a: number; b: string[]; c: Date; d: { x: number } }>(
    'SELECT $1::int AS a, $2::text[] AS b, $3::timestamptz AS c, $4::jsonb AS d',
    [7, ['x', 'y'], new Date('2026-01-02T03:04:05.678Z'), JSON.stringify({ x: 1 })],
  )
  t.same(rows[0], { a: 7, b: ['x', 'y'], c: new Date('2026-01-02T03:04:05.678Z'), d: { x: 1 } })
  const script = await tdb.db.query<{ v: number }>('CREATE TEMP TABLE tmp_x (v int); INSERT INTO tmp_x VALUES (1), (2); SELECT sum(v)::int AS v FROM tmp_x')
  t.same(script.rows, [{ v: 3 }], 'a parameterless script runs all statements and answers the last')
})

t.test('a transaction rolls back on throw', async (t) => {
  await tdb.db.query('CREATE TABLE tx_probe (v int)')
  await t.rejects(inTransaction(tdb.db, async (s) => {
    await s.query('INSERT INTO tx_probe VALUES ($1)', [1])
    throw new Error('boom')
  }))
  await inTransaction(tdb.db, (s) => s.query('INSERT INTO tx_probe VALUES ($1)', [2]))
  const { rows } = await tdb.db.query<{ v: number }>('SELECT v FROM tx_probe', [])
  t.same(rows, [{ v: 2 }])
})
