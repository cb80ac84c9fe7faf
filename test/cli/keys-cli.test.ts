import t from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { writeConfigFiles } from '../helpers/gateway.js'
import { databaseEnv } from '../helpers/context-env.js'
import { runKeys } from '../../src/cli/keys.js'
import { RedisContextStore } from '../../src/adapters/context/redis.js'
import { hashKey } from '../../src/identity/authenticator.js'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'

const prefix = `sytest:${randomBytes(6).toString('hex')}:`
let configPath: string

t.before(async () => {
  // the CLI reads DATABASE_URL / REDIS_URL like the gateway does: this file's process gets its own database
  const env = await databaseEnv(t)
  process.env.DATABASE_URL = env.DATABASE_URL
  const dir = writeConfigFiles({
    'gateway.yaml': {
      providers: { up: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' } },
      models: { fast: { targets: [{ provider: 'up', model: 'm' }] } },
      teams: { research: {} },
      storage: { data_dir: join(mkdtempSync(join(tmpdir(), 'switchyard-cli-')), 'data'), redis_prefix: prefix },
    },
  })
  configPath = join(dir, 'gateway.yaml')
  t.comment(`keys CLI: ${process.env.REDIS_URL ? `redis (${prefix})` : 'no REDIS_URL'}`)
})

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  return { stream: new Writable({ write: (c, _e, cb) => void (chunks.push(String(c)), cb()) }), text: () => chunks.join('') }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink()
  const err = sink()
  const code = await runKeys([...argv, '--config', configPath], configPath, out.stream, err.stream)
  return { code, out: out.text(), err: err.text() }
}

t.test('create prints the key once, list shows it without key material, revoke stamps it', async (t) => {
  const created = await cli('create', '--team', 'research', '--name', 'ci', '--models', 'fast', '--rpm', '10')
  t.equal(created.code, 0, created.err)
  const key = created.out.trim()
  t.match(key, /^sk-sy-[A-Za-z0-9_-]{32}$/)
  t.equal(created.out.split('\n').filter(Boolean).length, 1, 'stdout is the key alone')
  t.match(created.err, /not shown again/)

  const list = await cli('list')
  t.equal(list.code, 0)
  t.match(list.out, /research\s+ci\s+sk-sy-…/)
  t.notOk(list.out.includes(key.slice(6)), 'no key material')
  const id = /^(key_\S+)\s+research/m.exec(list.out)?.[1]
  t.ok(id, 'the table starts with the id')

  // with Redis, a running gateway hears the revocation at once
  let heard: Promise<string> | null = null
  let sub: RedisContextStore | null = null
  if (process.env.REDIS_URL) {
    sub = new RedisContextStore({ url: process.env.REDIS_URL, prefix })
    const s = sub
    heard = new Promise((resolve) => s.onChange(resolve))
    await new Promise((r) => setTimeout(r, 200))
  }
  const revoked = await cli('revoke', id!)
  t.equal(revoked.code, 0, revoked.err)
  t.match(revoked.out, new RegExp(`revoked ${id!}`))
  if (heard) {
    t.equal(await heard, `key:${hashKey(key)}`, 'change notice published on Redis')
    t.match(revoked.out, /running gateways notified/)
    await sub!.close()
  }
  const after = JSON.parse((await cli('list', '--format', 'json')).out) as Array<Record<string, unknown>>
  t.equal(after.length, 1)
  t.notOk('hash' in after[0]!)
  t.match(after[0], { id, models: ['fast'], rpm: 10, revokedAt: String })
})

t.test('bad input: usage errors exit 2, unknown team and unknown id exit 1', async (t) => {
  t.equal((await cli('create')).code, 2)
  t.equal((await cli('create', '--team', 'research', '--rpm', 'lots')).code, 2)
  t.equal((await cli('frobnicate')).code, 2)
  const unknown = await cli('create', '--team', 'nope')
  t.equal(unknown.code, 1)
  t.match(unknown.err, /Unknown team "nope"/)
  const missing = await cli('revoke', 'key_missing')
  t.equal(missing.code, 1)
  t.match(missing.err, /no key with id/)
})
