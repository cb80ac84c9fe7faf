import t from 'tap'
import { Writable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { createLogger } from '../../../src/observability/logger.js'
import { lazyChildLogger } from '../../../src/http/lazy-child-logger.js'
import { logCall } from '../../../src/observability/call-log.js'
import { newCallRecord } from '../../../src/call/record.js'

function capture() {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>)
      cb()
    },
  })
  return { lines, logger: createLogger('info', stream as never) }
}

t.test('the request logger is built on first use and carries the request id', async (t) => {
  const { lines, logger } = capture()
  let children = 0
  const child = logger.child.bind(logger)
  logger.child = ((...args: Parameters<typeof child>) => {
    children++
    return child(...args)
  }) as typeof logger.child
  const log = lazyChildLogger(logger as unknown as FastifyBaseLogger, { requestId: 'req_1' }, {})
  t.equal(log.level, 'info', 'level readable before any child exists')
  t.equal(children, 0, 'no child for a request that never logs')
  log.warn({ headers: { authorization: 'Bearer sk-sy-secret' } }, 'post-call bookkeeping failed')
  log.info('again')
  t.equal(children, 1, 'one child, on first use')
  await new Promise((r) => setImmediate(r))
  t.match(lines[0], { requestId: 'req_1', msg: 'post-call bookkeeping failed', headers: { authorization: '[redacted]' } }, 'request lines are still redacted')
  t.match(lines[1], { requestId: 'req_1', msg: 'again' })
})

t.test('the call line goes to the logger destination, with the base fields', async (t) => {
  const { lines, logger } = capture()
  const r = newCallRecord('req_2', 'chat.completions', new Date(0))
  r.teamId = 'a'
  logCall(logger, r)
  await new Promise((r) => setImmediate(r))
  t.match(lines[0], { level: 30, service: 'switchyard', requestId: 'req_2', team: 'a', msg: 'call' })
  t.type(lines[0]?.time, 'string')
})

t.test('the call line written directly is the line pino writes for the same fields', async (t) => {
  const { pino } = await import('pino')
  const { loggerOptions } = await import('../../../src/observability/logger.js')
  const records = [newCallRecord('req_a', 'chat.completions', new Date(0))]
  const full = newCallRecord('req_b"\\\u0001é', 'embeddings', new Date(0))
  Object.assign(full, {
    teamId: 'legal', sessionId: 's-1', requestedModel: 'fast', rule: 'code "r"', policyVersion: 'abc', reason: 'rule "code" matched\n',
    provider: 'openai', model: 'gpt-4o-mini', stream: true, status: 200, outcome: 'ok', errorType: null, latencyMs: 12.25, ttftMs: 3,
    promptTokens: 10, completionTokens: 2, costUsd: 0.0000123, traceId: '0af7651916cd43dd8448eb211c80319c',
  })
  full.attempts.push({ provider: 'openai', model: 'gpt-4o-mini', status: 200, latency_ms: 10, error: null })
  records.push(full)
  for (const r of records) {
    const direct = capture()
    logCall(direct.logger, r)
    const viaPino: string[] = []
    const plain = pino(loggerOptions('info'), { write: (l: string) => void viaPino.push(l) })
    logCall(plain, r)
    await new Promise((res) => setImmediate(res))
    const a = direct.lines[0]!
    const b = JSON.parse(viaPino[0]!) as Record<string, unknown>
    t.type(a.time, 'string')
    t.same({ ...a, time: 0 }, { ...b, time: 0 }, `${r.requestId}: same fields and values`)
    t.same(Object.keys(a), Object.keys(b), 'same order')
  }
  const quiet = capture()
  quiet.logger.level = 'warn'
  logCall(quiet.logger, records[1]!)
  await new Promise((res) => setImmediate(res))
  t.equal(quiet.lines.length, 0, 'no line below the info level')
})

t.test('the log timestamp is pino\'s isoTime, with the date part cached per second', async (t) => {
  const { pino } = await import('pino')
  const { isoTimeAt } = await import('../../../src/observability/logger.js')
  const realNow = Date.now
  try {
    const base = Date.UTC(2026, 10, 24, 23, 59, 58, 990)
    // across a second, minute, hour, day and year boundary; ms with 1, 2 and 3 digits
    for (const now of [base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 1009, base + 1010, base + 2000, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1, 0, 0, 0, 0), 0]) {
      Date.now = () => now
      t.equal(isoTimeAt(now), pino.stdTimeFunctions.isoTime(), new Date(now).toISOString())
    }
  } finally {
    Date.now = realNow
  }
})
