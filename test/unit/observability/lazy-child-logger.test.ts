import t from 'tap'
import { Writable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { createLogger } from '../../../src/observability/logger.js'
import { lazyChildLogger } from '../../../src/observability/lazy-child-logger.js'
import { callLogger } from '../../../src/observability/call-log.js'

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

t.test('the call logger writes to the same destination, with the base fields', async (t) => {
  const { lines, logger } = capture()
  callLogger(logger).info({ requestId: 'req_2', team: 'a' }, 'call')
  await new Promise((r) => setImmediate(r))
  t.match(lines[0], { level: 30, service: 'switchyard', requestId: 'req_2', team: 'a', msg: 'call' })
  t.type(lines[0]?.time, 'string')
})
