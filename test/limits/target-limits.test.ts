import t from 'tap'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { hashKey } from '../../src/identity/authenticator.js'
import { chat, completion, until } from '../helpers/chaos.js'
import { sendJson, startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway } from '../helpers/gateway.js'

// Per-target limits (targets[].rpm / tpm), as LiteLLM's per-deployment rpm/tpm: a target over its
// limit is skipped, the next one serves; with none left the caller gets 429 and when to retry.
t.test('a target over its rpm is skipped for the next one; alone, the caller gets 429 with retry-after', async (t) => {
  const upstream = await startFakeUpstream((req, res) => sendJson(res, 200, completion('ok', String(req.body?.model))))
  const audit = new MemoryAuditRecorder()
  const gw = await startGateway({
    providers: { up: { type: 'openai', base_url: upstream.url } },
    models: {
      pair: { strategy: 'fallback', targets: [{ provider: 'up', model: 'small', rpm: 2 }, { provider: 'up', model: 'big' }] },
      lone: { targets: [{ provider: 'up', model: 'only', rpm: 1 }] },
    },
    teams: { a: { keys: [{ name: 'k', sha256: hashKey('sk-sy-target-limits') }] } },
  }, {}, { audit, redisPrefix: `t${process.pid}${Date.now()}:` })
  t.teardown(async () => {
    await gw.close()
    await upstream.close()
  })
  const headers = { authorization: 'Bearer sk-sy-target-limits' }
  const served: string[] = []
  for (let i = 0; i < 4; i++) {
    const res = await chat(gw.baseURL, { model: 'pair' }, { headers })
    t.equal(res.status, 200)
    served.push(res.headers.get('x-switchyard-model')!)
  }
  t.same(served, ['small', 'small', 'big', 'big'], 'two calls on the limited target, then the next target')
  t.same(upstream.received.map((r) => r.body.model), ['small', 'small', 'big', 'big'], 'the skipped target got no request')

  t.equal((await chat(gw.baseURL, { model: 'lone' }, { headers })).status, 200)
  const refused = await chat(gw.baseURL, { model: 'lone' }, { headers })
  t.equal(refused.status, 429)
  t.match(refused.json, { error: { code: 'rate_limit_exceeded', message: /up\/only is at its requests per minute \(limit 1\)/ } })
  t.ok(Number(refused.headers.get('retry-after')) >= 1, 'retry-after says when the window resets')
  await until(() => audit.rows.length === 6)
  t.match(audit.rows.at(-1), { outcome: 'rate_limited', attempts: [] }, 'audited; no upstream attempt was made')
})
