import t from 'tap'
import { openTestDatabase } from '../helpers/database.js'
import { migrate } from '../../src/adapters/db/migrate.js'
import { SqlKeyRepository, SqlTeamRepository } from '../../src/adapters/keys/sql-repositories.js'
import { sqlSessionCalls } from '../../src/adapters/reads/sql-session-calls.js'
import { generateApiKey, keyHint, newKeyId, type ApiKeyRecord } from '../../src/identity/records.js'
import { hashKey } from '../../src/identity/authenticator.js'

t.test('keys, teams and session calls on the Database port', async (t) => {
  const tdb = await openTestDatabase(t)
  t.teardown(() => tdb.drop())
  await migrate(tdb.db)
  const keys = new SqlKeyRepository(tdb.db)
  const teams = new SqlTeamRepository(tdb.db)

  t.test('api_keys: insert, find by hash, list, revoke once', async (t) => {
    const key = generateApiKey()
    const rec: ApiKeyRecord = {
      id: newKeyId(), teamId: 'research', name: 'ci', hash: hashKey(key), hint: keyHint(key), models: ['fast', 'smart'], rpm: 60, tpm: null,
      expiresAt: '2030-01-01T00:00:00.000Z', revokedAt: null, createdAt: '2026-01-01T00:00:00.000Z',
    }
    await keys.insert(rec)
    t.same(await keys.findByHash(rec.hash), rec)
    t.equal(await keys.findByHash(hashKey('sk-sy-other')), null)
    await t.rejects(keys.insert({ ...rec, id: newKeyId() }), 'the hash is unique')
    t.same((await keys.list()).map((k) => k.id), [rec.id])
    const first = await keys.revoke(rec.id, new Date('2026-02-01T00:00:00Z'))
    t.equal(first?.revokedAt, '2026-02-01T00:00:00.000Z')
    const again = await keys.revoke(rec.id, new Date('2026-03-01T00:00:00Z'))
    t.equal(again?.revokedAt, '2026-02-01T00:00:00.000Z', 'the first revocation time stays')
    t.equal(await keys.revoke('key_missing', new Date()), null)
  })

  t.test('teams: put inserts then replaces; list is ordered', async (t) => {
    const a = await teams.put('ops', { models: ['fast'], labels: { tier: 'gold' } }, new Date('2026-01-01T00:00:00Z'))
    t.same(a.settings, { models: ['fast'], labels: { tier: 'gold' } })
    const b = await teams.put('ops', { rpm: 5 }, new Date('2026-01-02T00:00:00Z'))
    t.same(b.settings, { rpm: 5 })
    t.equal(b.createdAt, '2026-01-01T00:00:00.000Z')
    t.equal(b.updatedAt, '2026-01-02T00:00:00.000Z')
    await teams.put('alpha', {}, new Date())
    t.same((await teams.list()).map((x) => x.id), ['alpha', 'ops'])
    t.equal(await teams.get('ghost'), null)
  })

  t.test('calls by session, oldest first, with cost', async (t) => {
    const insert = (id: string, at: string, session: string | null, cost: number | null) =>
      tdb.db.query(
        `INSERT INTO calls (request_id, started_at, endpoint, team_id, key_id, session_id, requested_model, rule, provider, model, outcome, status, cost_usd)
         VALUES ($1, $2, 'chat.completions', 'research', 'key_1', $3, 'fast', 'default', 'up', 'up-fast', 'ok', 200, $4)`,
        [id, at, session, cost],
      )
    await insert('req_2', '2026-01-01T00:00:02Z', 's1', 0.5)
    await insert('req_1', '2026-01-01T00:00:01Z', 's1', 0.25)
    await insert('req_3', '2026-01-01T00:00:03Z', 's2', null)
    const rows = await sqlSessionCalls(tdb.db)('s1', 100)
    t.same(rows.map((r) => [r.request_id, r.rule, r.model, r.cost_usd]), [['req_1', 'default', 'up-fast', 0.25], ['req_2', 'default', 'up-fast', 0.5]])
    t.equal(rows[0]!.started_at, '2026-01-01T00:00:01.000Z')
    t.same(await sqlSessionCalls(tdb.db)('none', 100), [])
  })
})
