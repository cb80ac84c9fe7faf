import t from 'tap'
import { MemoryLimitStore } from '../../src/adapters/limits/memory.js'
import { startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { dropPrefix, newRedis, redisUrl } from '../helpers/limits.js'
import { backendName, chat, limitsConfig, sharedDatabase, usageUpstream } from './helpers.js'

// Acceptance 1: three gateways on one store, a team limited to 100 rpm, 300 requests spread over them.
t.comment(`limit store: ${backendName()}${redisUrl ? '' : '; the three gateways share one in-process store'}`)

t.test('100 rpm holds across three gateways', async (t) => {
  const upstream = await startFakeUpstream(usageUpstream({ prompt: 5, completion: 5 }), '/v1')
  const config = limitsConfig(upstream.url, { rpm: 100 })
  const shared = redisUrl ? undefined : new MemoryLimitStore()
  const database = await sharedDatabase(t)
  const gws: TestGateway[] = []
  for (let i = 0; i < 3; i++) gws.push(await startGateway(config, {}, { database, ...(shared ? { limitStore: shared } : {}) }))
  t.teardown(async () => {
    for (const g of gws) await g.close()
    await upstream.close()
    if (redisUrl) {
      const r = newRedis()
      await dropPrefix(r, config.limits.key_prefix)
      r.disconnect()
    }
  })

  const results: Response[] = []
  let next = 0
  // 12 clients at a time, request i goes to gateway i % 3
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      while (next < 300) {
        const i = next++
        const res = await chat(gws[i % 3]!.baseURL)
        await res.arrayBuffer()
        results.push(res)
      }
    }),
  )
  const ok = results.filter((r) => r.status === 200)
  const limited = results.filter((r) => r.status === 429)
  t.comment(`succeeded ${ok.length}, refused ${limited.length}`)
  t.ok(ok.length >= 100 && ok.length <= 105, `between 100 and 105 succeed (${ok.length})`)
  t.equal(ok.length + limited.length, 300, 'every other request got 429')
  t.ok(limited.every((r) => Number(r.headers.get('retry-after')) >= 1 && Number(r.headers.get('retry-after')) <= 60), 'every 429 has retry-after in seconds')
  t.ok(limited.every((r) => r.headers.get('x-ratelimit-remaining-requests') === '0'), '429s say nothing remains')
  t.ok(results.every((r) => r.headers.get('x-ratelimit-limit-requests') === '100'), 'every response names the limit')
  t.ok(results.every((r) => /^\d+(\.\d+)?m?s$|^\d+m[\d.]+s$/.test(r.headers.get('x-ratelimit-reset-requests') ?? '')), 'every response says when it resets')
  const remaining = ok.map((r) => Number(r.headers.get('x-ratelimit-remaining-requests'))).sort((a, b) => a - b)
  t.same(remaining, Array.from({ length: ok.length }, (_, i) => i), 'each admitted request saw its own count')
  t.notOk(results.some((r) => r.headers.has('x-ratelimit-limit-tokens')), 'no token headers without a token limit')

  const refused = await chat(gws[0]!.baseURL)
  const body: any = await refused.json()
  t.equal(refused.status, 429)
  t.equal(body.error.code, 'rate_limit_exceeded')
  t.equal(body.error.type, 'rate_limit_error')
  t.match(body.error.message, /team "t1" on requests per minute: limit 100/)
  const metrics = await (await fetch(`${gws[0]!.url}/metrics`)).text()
  t.match(metrics, /switchyard_limited_requests_total\{team="t1",reason="rate_limited"\} (\d+)/)
  t.match(metrics, /switchyard_requests_total\{[^}]*outcome="rate_limited"[^}]*\}/, 'refusals are audited as rate_limited')
})
