import t from 'tap'
import OpenAI from 'openai'
import { startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway } from '../helpers/gateway.js'
import { dropPrefix, newRedis, redisUrl } from '../helpers/limits.js'
import { KEY, backendName, chat, limitsConfig, usageUpstream } from './helpers.js'

// Acceptance 3: a TPM limit is enforced from the usage reported at the end of streamed responses.
t.comment(`limit store: ${backendName()}`)

t.test('tpm counts real usage of streamed calls', async (t) => {
  // each call: a prompt the gateway estimates at a handful of tokens, but 1000 tokens of real usage
  const upstream = await startFakeUpstream(usageUpstream({ prompt: 10, completion: 990 }), '/v1')
  const config = limitsConfig(upstream.url, { tpm: 1500 })
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
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: KEY, maxRetries: 0 })

  // 1: the client did not ask for usage; the gateway still gets it from upstream and counts it
  const first = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse()
  t.equal(first.response.headers.get('x-ratelimit-limit-tokens'), '1500')
  t.equal(first.response.headers.get('x-ratelimit-remaining-tokens'), '1500', 'nothing used before this call')
  const chunks = []
  for await (const c of first.data) chunks.push(c)
  t.notOk(chunks.some((c) => c.usage), 'the client gets no usage chunk it did not ask for')

  // 2: 1000 used + the estimate still fits 1500
  const second = await chat(gw.baseURL, { stream: true, stream_options: { include_usage: true } })
  t.equal(second.status, 200)
  t.equal(second.headers.get('x-ratelimit-remaining-tokens'), '500')
  t.match(await second.text(), /"total_tokens":1000/)

  // 3: 2000 used: refused, though the estimates alone (a few tokens each) are far below the limit
  const third = await chat(gw.baseURL, { stream: true })
  const body: any = await third.json()
  t.equal(third.status, 429)
  t.equal(body.error.code, 'rate_limit_exceeded')
  t.match(body.error.message, /tokens per minute: limit 1500, used 2000/)
  t.equal(third.headers.get('x-ratelimit-limit-tokens'), '1500')
  t.equal(third.headers.get('x-ratelimit-remaining-tokens'), '0')
  t.match(third.headers.get('x-ratelimit-reset-tokens'), /^\d+(\.\d+)?s$/)
  t.ok(Number(third.headers.get('retry-after')) >= 1)
  t.notOk(third.headers.has('x-ratelimit-limit-requests'), 'no request headers without a request limit')
  t.equal(upstream.received.length, 2, 'the refused call never reached upstream')
  const metrics = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(metrics, /switchyard_limited_requests_total\{team="t1",reason="rate_limited"\} 1/)
})
