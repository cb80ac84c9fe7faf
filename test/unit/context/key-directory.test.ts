import t from 'tap'
import { MemoryContextStore } from '../../../src/adapters/context/memory.js'
import { KeyDirectory, keyName } from '../../../src/identity/key-directory.js'
import { TeamDirectory } from '../../../src/identity/team-directory.js'
import { StoreAuthenticator } from '../../../src/identity/store-authenticator.js'
import { hashKey } from '../../../src/identity/authenticator.js'
import type { ApiKeyRecord, TeamRecord, TeamSettings } from '../../../src/identity/records.js'
import type { KeyRepository, TeamRepository } from '../../../src/ports/key-repository.js'
import type { RuntimeRef } from '../../../src/runtime/runtime.js'
import type { TeamConfig } from '../../../src/config/schema.js'

const KEY = 'sk-sy-unit-test-key-0000000000000000'
const rec = (over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: 'key_1', teamId: 'research', name: 'n', hash: hashKey(KEY), hint: 'sk-sy-…0000', models: null, rpm: null, tpm: null,
  expiresAt: null, revokedAt: null, createdAt: '2026-01-01T00:00:00.000Z', ...over,
})

class FakeKeys implements KeyRepository {
  rows = new Map<string, ApiKeyRecord>()
  calls = 0
  down = false
  async findByHash(hash: string) {
    this.calls++
    if (this.down) throw new Error('database down')
    return [...this.rows.values()].find((r) => r.hash === hash) ?? null
  }
  async insert(r: ApiKeyRecord) {
    this.rows.set(r.id, r)
  }
  async list() {
    return [...this.rows.values()]
  }
  async revoke(id: string, at: Date) {
    const r = this.rows.get(id)
    if (!r) return null
    r.revokedAt ??= at.toISOString()
    return r
  }
}

class FakeTeams implements TeamRepository {
  rows = new Map<string, TeamRecord>()
  down = false
  async get(id: string) {
    if (this.down) throw new Error('database down')
    return this.rows.get(id) ?? null
  }
  async list() {
    return [...this.rows.values()]
  }
  async put(id: string, settings: TeamSettings, at: Date) {
    const r = { id, settings, createdAt: at.toISOString(), updatedAt: at.toISOString() }
    this.rows.set(id, r)
    return r
  }
}

/** A store whose reads and writes can be made to fail (Redis down). */
class FlakyStore extends MemoryContextStore {
  down = false
  override async read(names: readonly string[], session?: string | null) {
    if (this.down) throw new Error('redis down')
    return super.read(names, session)
  }
  override async write(...args: Parameters<MemoryContextStore['write']>) {
    if (this.down) throw new Error('redis down')
    return super.write(...args)
  }
}

function setup(teamsConfig: Record<string, TeamConfig> = { research: { context: { system_prompt: 'cfg' } } }) {
  const runtime = { current: { config: { gateway: { teams: teamsConfig, auth: {} } } } } as unknown as RuntimeRef
  const store = new FlakyStore()
  const keyRepo = new FakeKeys()
  const teamRepo = new FakeTeams()
  const keys = new KeyDirectory({ store, repo: keyRepo, localTtlMs: 300 })
  const teams = new TeamDirectory({ runtime, store, repo: teamRepo, localTtlMs: 300 })
  const auth = new StoreAuthenticator({ runtime, keys, teams })
  store.onChange((name) => (name.startsWith('key:') ? keys.forget(name.slice(4)) : name.startsWith('team:') ? teams.forget(name.slice(5)) : undefined))
  return { store, keyRepo, teamRepo, keys, teams, auth }
}

const code = async (p: Promise<unknown>) => {
  try {
    await p
    return 'ok'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

t.test('the database is asked once; then the local cache and the shared store answer', async (t) => {
  const s = setup()
  s.keyRepo.rows.set('key_1', rec())
  const p = await s.auth.authenticate(KEY)
  t.match(p, { teamId: 'research', keyId: 'key_1', team: { context: { system_prompt: 'cfg' } } })
  await s.auth.authenticate(KEY)
  t.equal(s.keyRepo.calls, 1, 'second call from the local cache')
  await new Promise((r) => setTimeout(r, 400))
  await s.auth.authenticate(KEY)
  t.equal(s.keyRepo.calls, 1, 'after the local TTL, the shared store answers')
})

t.test('unknown keys are cached as unknown; revoked and expired keys get 401', async (t) => {
  const s = setup()
  t.equal(await code(s.auth.authenticate('sk-sy-nope')), 'invalid_api_key')
  t.equal(await code(s.auth.authenticate('sk-sy-nope')), 'invalid_api_key')
  t.equal(s.keyRepo.calls, 1, 'a miss costs the database once')
  s.keyRepo.rows.set('key_1', rec({ expiresAt: '2020-01-01T00:00:00.000Z' }))
  t.equal(await code(s.auth.authenticate(KEY)), 'invalid_api_key')
  s.keyRepo.rows.set('key_1', rec({ revokedAt: '2026-01-01T00:00:00.000Z' }))
  await s.store.write(keyName(hashKey(KEY)), null, 0, { announce: true })
  t.equal(await code(s.auth.authenticate(KEY)), 'invalid_api_key')
})

t.test('a change notice drops the local copy at once', async (t) => {
  const s = setup()
  s.keyRepo.rows.set('key_1', rec())
  t.equal(await code(s.auth.authenticate(KEY)), 'ok')
  const revoked = rec({ revokedAt: '2026-01-02T00:00:00.000Z' })
  s.keyRepo.rows.set('key_1', revoked)
  await s.store.write(keyName(revoked.hash), JSON.stringify({ key: revoked }), 60_000, { announce: true })
  t.equal(await code(s.auth.authenticate(KEY)), 'invalid_api_key')
})

t.test('a fill that started before a change does not land after it', async (t) => {
  const s = setup()
  s.keyRepo.rows.set('key_1', rec())
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const slow = s.keyRepo.findByHash.bind(s.keyRepo)
  s.keyRepo.findByHash = async (h) => {
    const v = await slow(h)
    await gate
    return v
  }
  const pending = s.keys.find(hashKey(KEY)) // reads the old (valid) record, then waits
  const revoked = rec({ revokedAt: '2026-01-02T00:00:00.000Z' })
  await s.store.write(keyName(revoked.hash), JSON.stringify({ key: revoked }), 60_000, { announce: true })
  release()
  t.equal((await pending)?.revokedAt, null, 'the racing lookup itself saw the old row')
  s.keyRepo.findByHash = slow
  t.equal((await s.keys.find(hashKey(KEY)))?.revokedAt, revoked.revokedAt, 'but neither cache kept it')
})

t.test('store and database down: seen keys and teams keep working, unseen keys get 503, config teams work', async (t) => {
  const s = setup({ research: { context: { system_prompt: 'cfg' } }, cfgonly: { keys: [{ name: 'c', sha256: hashKey('sk-sy-config') }] } })
  s.keyRepo.rows.set('key_1', rec())
  await s.teamRepo.put('research', { labels: { tier: 'gold' } }, new Date())
  t.match(await s.auth.authenticate(KEY), { team: { labels: { tier: 'gold' } } })
  s.store.down = true
  s.keyRepo.down = true
  s.teamRepo.down = true
  await new Promise((r) => setTimeout(r, 400)) // past the local TTL: only stale copies remain
  t.match(await s.auth.authenticate(KEY), { keyId: 'key_1', team: { labels: { tier: 'gold' }, context: { system_prompt: 'cfg' } } })
  t.equal(await code(s.auth.authenticate('sk-sy-never-seen')), 'storage_unavailable')
  t.match(await s.auth.authenticate('sk-sy-config'), { teamId: 'cfgonly', keyName: 'c' }, 'config key and config team need no storage')
})
