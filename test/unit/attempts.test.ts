import t from 'tap'
import { withAttempts, backoffMs } from '../../src/stages/attempts.js'
import { testCall } from '../helpers/call.js'
import { GatewayError } from '../../src/errors/gateway-error.js'
import type { Target } from '../../src/providers/types.js'
import { resilienceSchema } from '../../src/config/schema.js'

const target = (provider: string): Target => ({ provider, model: 'm', config: { type: 'openai' } })
const ctx = () => testCall().call
const resilience = resilienceSchema.parse({ max_attempts: 3, backoff_base_ms: 1, backoff_max_ms: 2 })
const clock = { now: () => 0, mono: () => performance.now() }
const unavailable = () => new GatewayError('upstream_unavailable', 'down', { retryable: true, upstreamStatus: 503 })

t.test('retries a retryable failure on the same target, then succeeds', async (t) => {
  const c = ctx()
  let calls = 0
  const { target: served, value } = await withAttempts(c, [target('a')], { resilience, clock }, async () => {
    if (++calls < 3) throw unavailable()
    return 'ok'
  })
  t.equal(value, 'ok')
  t.equal(served.provider, 'a')
  t.same(c.record.attempts.map((a) => a.status), [503, 503, 200])
})

t.test('falls back to the next target once a target is exhausted', async (t) => {
  const c = ctx()
  const { target: served } = await withAttempts(c, [target('a'), target('b')], { resilience, clock }, async (tg) => {
    if (tg.provider === 'a') throw unavailable()
    return 'ok'
  })
  t.equal(served.provider, 'b')
  t.same(c.record.attempts.map((a) => a.provider), ['a', 'a', 'a', 'b'])
})

t.test('a non-retryable, non-fallback error goes straight to the client', async (t) => {
  const c = ctx()
  const bad = new GatewayError('invalid_request', 'bad', { status: 400, upstreamStatus: 400 })
  await t.rejects(withAttempts(c, [target('a'), target('b')], { resilience, clock }, async () => { throw bad }), bad)
  t.equal(c.record.attempts.length, 1)
})

t.test('a target its health check refuses is skipped', async (t) => {
  const c = ctx()
  const health = { allow: (tg: Target) => tg.provider !== 'a', success() {}, failure() {} }
  const { target: served } = await withAttempts(c, [target('a'), target('b')], { resilience, clock, health }, async () => 'ok')
  t.equal(served.provider, 'b')
  t.equal(c.record.attempts.length, 1)
})

t.test('backoff: exponential with jitter, retry-after honoured up to the cap', async (t) => {
  const r = resilienceSchema.parse({ backoff_base_ms: 100, backoff_max_ms: 1000, retry_after_cap_ms: 5000 })
  t.equal(backoffMs(1, unavailable(), r, () => 0), 50)
  t.equal(backoffMs(3, unavailable(), r, () => 1), 400)
  t.equal(backoffMs(10, unavailable(), r, () => 1), 1000)
  t.equal(backoffMs(1, new GatewayError('rate_limit_exceeded', 'x', { retryable: true, retryAfterMs: 2000 }), r, () => 0), 2000)
  t.equal(backoffMs(1, new GatewayError('rate_limit_exceeded', 'x', { retryable: true, retryAfterMs: 9000 }), r, () => 0), null, 'longer than the cap: fall back instead')
})
