import t from 'tap'
import { startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway } from '../helpers/gateway.js'
import { dropPrefix, newRedis, redisUrl } from '../helpers/limits.js'
import { KEY, backendName, chat, limitsConfig, usageUpstream } from './helpers.js'
import { openaiSchemaErrors } from '../helpers/openai-schemas.js'

// limits.ip_rpm: @fastify/rate-limit per client IP on routes that are not proxied calls.
t.comment(`ip guard store: ${backendName()}`)

t.test('ip_rpm limits /v1/models per IP, not proxied calls', async (t) => {
  const upstream = await startFakeUpstream(usageUpstream({ prompt: 1, completion: 1 }), '/v1')
  const config = limitsConfig(upstream.url, {}, { ip_rpm: 3 })
  const gw = await startGateway(config)
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
    if (redisUrl) {
      const r = newRedis()
      await dropPrefix(r, config.limits.key_prefix)
      r.disconnect()
    }
  })
  const statuses: number[] = []
  let last: Response | null = null
  for (let i = 0; i < 4; i++) {
    last = await fetch(`${gw.baseURL}/models`, { headers: { authorization: `Bearer ${KEY}` } })
    statuses.push(last.status)
    if (i < 3) await last.arrayBuffer()
  }
  t.same(statuses, [200, 200, 200, 429])
  const body: any = await last!.json()
  t.equal(body.error.code, 'rate_limit_exceeded')
  t.equal(openaiSchemaErrors('ErrorResponse', body), null)
  t.ok(Number(last!.headers.get('retry-after')) >= 1)
  for (let i = 0; i < 5; i++) {
    const res = await chat(gw.baseURL)
    t.equal(res.status, 200, 'proxied calls are limited per key and team, not by the IP guard')
    await res.arrayBuffer()
  }
})
