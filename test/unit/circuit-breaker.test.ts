import t from 'tap'
import { CircuitBreakers, type BreakerTransition } from '../../src/routing/circuit-breaker.js'
import { GatewayError } from '../../src/errors/gateway-error.js'
import type { Target } from '../../src/providers/types.js'

const target = (model = 'm'): Target => ({ provider: 'p', model, config: { type: 'openai' } })
const down = () => new GatewayError('upstream_unavailable', 'p: unreachable (ECONNREFUSED)', { retryable: true })
const http = (status: number) => new GatewayError(status === 400 ? 'invalid_request' : 'upstream_error', `HTTP ${status}`, { upstreamStatus: status })

function setup(failures = 3, cooldown_ms = 1000) {
  let mono = 0
  const transitions: BreakerTransition[] = []
  const b = new CircuitBreakers({
    clock: { mono: () => mono, now: () => 1_700_000_000_000 + mono },
    settings: () => ({ failures, cooldown_ms }),
    onTransition: (x) => transitions.push(x),
  })
  return { b, transitions, advance: (ms: number) => void (mono += ms) }
}

t.test('opens after N failures in a row, skips while open, one probe after the cooldown', async (t) => {
  const { b, transitions, advance } = setup(3, 1000)
  const tg = target()
  for (let i = 0; i < 2; i++) {
    t.ok(b.allow(tg))
    b.failure(tg, down())
  }
  t.equal(b.state(tg), 'closed', 'two failures: still closed')
  t.ok(b.allow(tg))
  b.failure(tg, down())
  t.equal(b.state(tg), 'open')
  t.notOk(b.allow(tg), 'open: skipped')
  advance(999)
  t.notOk(b.allow(tg), 'still cooling down')
  advance(1)
  t.ok(b.allow(tg), 'cooldown over: the probe goes through')
  t.equal(b.state(tg), 'half_open')
  t.notOk(b.allow(tg), 'only one probe at a time')
  b.success(tg, 40)
  t.equal(b.state(tg), 'closed', 'probe success closes')
  t.ok(b.allow(tg))
  t.same(transitions.map((x) => x.to), ['open', 'half_open', 'closed'])
})

t.test('a failed probe opens the breaker again for another cooldown', async (t) => {
  const { b, advance } = setup(1, 500)
  const tg = target()
  b.allow(tg)
  b.failure(tg, down())
  advance(500)
  t.ok(b.allow(tg))
  b.failure(tg, down())
  t.equal(b.state(tg), 'open')
  advance(499)
  t.notOk(b.allow(tg))
  advance(1)
  t.ok(b.allow(tg))
})

t.test('a success resets the run; client errors and cancellations do not count', async (t) => {
  const { b, advance } = setup(2, 500)
  const tg = target()
  b.failure(tg, down())
  b.success(tg, 10)
  b.failure(tg, down())
  t.equal(b.state(tg), 'closed', 'failures must be consecutive')
  for (let i = 0; i < 5; i++) b.failure(tg, http(400))
  b.failure(tg, new GatewayError('shutting_down'))
  t.equal(b.state(tg), 'closed', '400s and gateway cuts are not target failures')
  b.failure(tg, http(503))
  t.equal(b.state(tg), 'open', '5xx counts')
  advance(500)
  t.ok(b.allow(tg), 'probe')
  b.abandon(tg) // the client left during the probe: no verdict, the slot is free again
  t.ok(b.allow(tg), 'another probe may go')
  b.failure(tg, http(400))
  t.equal(b.state(tg), 'half_open', 'a request fault says nothing either way')
  t.ok(b.allow(tg))
})

t.test('targets are independent; status reports latency and last error', async (t) => {
  const { b } = setup(1, 1000)
  const a = target('a')
  const c = target('c')
  b.success(a, 100)
  b.success(a, 200)
  b.failure(c, down())
  t.equal(b.state(a), 'closed')
  t.equal(b.state(c), 'open')
  const status = b.status([{ provider: 'p', model: 'a' }, { provider: 'p', model: 'never-called' }])
  t.same(status.map((s) => `${s.model}:${s.state}`), ['a:closed', 'never-called:closed', 'c:open'])
  t.equal(status[0]!.latency_ms, 120, 'moving average (alpha 0.2)')
  t.equal(status[2]!.last_error?.message, 'p: unreachable (ECONNREFUSED)')
  t.equal(status[2]!.consecutive_failures, 1)
  t.ok(status[2]!.retry_at, 'open breakers say when they probe')
  t.equal(b.latencyMs(a), 120)
})
