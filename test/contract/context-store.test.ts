import t from 'tap'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { MemoryContextStore } from '../../src/adapters/context/memory.js'
import { RedisContextStore } from '../../src/adapters/context/redis.js'
import type { ContextStore } from '../../src/ports/context-store.js'

/** Two handles on one shared store (two replicas); the in-process store is its own peer. */
interface Backend {
  name: string
  open(): Promise<{ a: ContextStore; b: ContextStore; close(): Promise<void> }>
}

const backends: Backend[] = [
  {
    name: 'memory',
    async open() {
      const a = new MemoryContextStore()
      return { a, b: a, close: () => a.close() }
    },
  },
]
const redisUrl = process.env.REDIS_URL
if (redisUrl) {
  backends.push({
    name: 'redis',
    async open() {
      const prefix = `sytest:${randomBytes(6).toString('hex')}:`
      const a = new RedisContextStore({ url: redisUrl, prefix })
      const b = new RedisContextStore({ url: redisUrl, prefix })
      t.ok(await a.ready(), 'redis reachable')
      await b.ready()
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) }
    },
  })
}
t.comment(`context-store contract: ${backends.map((b) => b.name).join(', ')}${redisUrl ? '' : ' (REDIS_URL unset: Redis skipped)'}`)

const bounds = { maxTurns: 3, maxTokens: 100, ttlMs: 60_000 }

for (const backend of backends) {
  t.test(backend.name, async (t) => {
    const { a, b, close } = await backend.open()
    t.teardown(close)

    t.test('records: absent is null, written values are read back in order, null deletes', async (t) => {
      t.same(await a.read(['key:x', 'team:y']), { values: [null, null], turns: [] })
      await a.write('key:x', '{"id":1}', 10_000)
      await a.write('team:y', 'T', 10_000)
      t.same((await b.read(['team:y', 'missing', 'key:x'])).values, ['T', null, '{"id":1}'])
      await a.write('key:x', null, 10_000)
      t.same((await b.read(['key:x'])).values, [null])
    })

    t.test('ifAbsent never overwrites a cached value', async (t) => {
      await a.write('fill:x', 'new', 10_000)
      await b.write('fill:x', 'old', 10_000, { ifAbsent: true })
      t.same((await a.read(['fill:x'])).values, ['new'])
      await b.write('fill:y', 'first', 10_000, { ifAbsent: true })
      t.same((await a.read(['fill:y'])).values, ['first'])
    })

    t.test('records expire after their TTL', async (t) => {
      await a.write('ttl:short', 'v', 1000)
      t.same((await b.read(['ttl:short'])).values, ['v'])
      await sleep(1300)
      t.same((await b.read(['ttl:short'])).values, [null])
    })

    t.test('announced writes reach every replica; silent ones do not', async (t) => {
      const seenA: string[] = []
      const seenB: string[] = []
      const offA = a.onChange((n) => seenA.push(n))
      const offB = b.onChange((n) => seenB.push(n))
      await sleep(100) // subscriptions established
      await a.write('key:quiet', 'v', 1000)
      await a.write('key:loud', null, 1000, { announce: true })
      for (let i = 0; i < 50 && !(seenA.includes('key:loud') && seenB.includes('key:loud')); i++) await sleep(20)
      t.ok(seenB.includes('key:loud'), 'the other replica heard it')
      t.ok(seenA.includes('key:loud'), 'the writer heard it too')
      t.notOk([...seenA, ...seenB].includes('key:quiet'))
      offA()
      offB()
    })

    t.test('session turns: appended in order, returned with the records in one read', async (t) => {
      const s = `sess-${randomBytes(4).toString('hex')}`
      t.equal(await a.appendTurn(s, { tokens: 10, data: 'one' }, bounds), 1)
      t.equal(await a.appendTurn(s, { tokens: 20, data: 'two|with|bars' }, bounds), 2)
      await a.write('team:z', 'Z', 10_000)
      const r = await b.read(['team:z'], s)
      t.same(r.values, ['Z'])
      t.same(r.turns, [{ tokens: 10, data: 'one' }, { tokens: 20, data: 'two|with|bars' }])
      t.same((await b.read([], 'other-session')).turns, [])
    })

    t.test('session bounds: at most maxTurns, token sum within maxTokens (oldest dropped)', async (t) => {
      const s = `sess-${randomBytes(4).toString('hex')}`
      for (const [i, tokens] of [5, 5, 5, 5, 5].entries()) await a.appendTurn(s, { tokens, data: `t${i}` }, bounds)
      t.same((await b.read([], s)).turns.map((x) => x.data), ['t2', 't3', 't4'], 'last three turns')
      t.equal(await a.appendTurn(s, { tokens: 92, data: 'big' }, bounds), 2, 'only t4 + big fit in 100 tokens')
      t.same((await b.read([], s)).turns.map((x) => x.data), ['t4', 'big'])
      t.equal(await a.appendTurn(s, { tokens: 500, data: 'huge' }, bounds), 0, 'a turn over the whole budget leaves nothing')
      t.same((await b.read([], s)).turns, [])
    })

    t.test('sessions expire ttl after their last append', async (t) => {
      const s = `sess-${randomBytes(4).toString('hex')}`
      // generous margins: timers run late on a loaded machine
      const short = { ...bounds, ttlMs: 1000 }
      await a.appendTurn(s, { tokens: 1, data: 'a' }, short)
      await sleep(600)
      await a.appendTurn(s, { tokens: 1, data: 'b' }, short)
      await sleep(600)
      t.equal((await b.read([], s)).turns.length, 2, 'the second append refreshed the TTL (the first would have expired)')
      await sleep(1300)
      t.same((await b.read([], s)).turns, [])
    })

    t.test('concurrent appends are all kept (atomic)', async (t) => {
      const s = `sess-${randomBytes(4).toString('hex')}`
      const wide = { maxTurns: 100, maxTokens: 10_000, ttlMs: 60_000 }
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).appendTurn(s, { tokens: 1, data: `c${i}` }, wide)))
      const turns = (await a.read([], s)).turns
      t.equal(turns.length, 20)
      t.same(new Set(turns.map((x) => x.data)).size, 20)
    })
  })
}
