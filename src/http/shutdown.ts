import type { FastifyInstance } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import { GatewayError } from '../errors/gateway-error.js'
import type { GatewayDeps } from './deps.js'

interface DrainOptions {
  /** How long in-flight calls and streams may take to finish (server.drain_timeout_ms). */
  drainMs: number
  /** After cutting the rest: time for them to send their error event and hand off their audit row. */
  graceMs?: number
  /** How long calls are still taken, with readiness off, before the listener closes (server.shutdown_delay_ms). */
  delayMs?: number
}

/**
 * Graceful stop of the HTTP side: readiness off (calls still served for `delayMs`, so balancers
 * polling readiness stop sending first), then new calls refused (503 shutting_down on open
 * connections) and the listening socket closed, in-flight calls and streams waited for up to the deadline,
 * the rest cut with an error (each still gets its audit row), then fastify closed (its onClose
 * hooks run after every call is over). Resolves with how many calls had to be cut.
 */
export async function drainAndClose(app: FastifyInstance, deps: GatewayDeps, opts: DrainOptions): Promise<number> {
  deps.lifecycle.stopping = true
  if (opts.delayMs) {
    const hurried = new Promise<void>((resolve) => (deps.lifecycle.hurry = resolve))
    await Promise.race([sleep(opts.delayMs, undefined, { ref: false }), hurried])
  }
  deps.lifecycle.draining = true
  const server = app.server
  // no new connections from here on; idle keep-alive ones are closed too (Node >= 19)
  if (server.listening) server.close()
  let cut = 0
  const inflight = deps.inflight
  if (inflight && !(await inflight.drained(opts.drainMs))) {
    cut = inflight.cutAll(new GatewayError('shutting_down', 'The gateway shut down before this call finished.'))
    deps.logger.warn({ cut }, 'drain deadline passed: cut the calls still in flight')
    if (!(await inflight.drained(opts.graceMs ?? 5_000))) deps.logger.error({ left: inflight.size }, 'calls did not end after being cut')
  }
  // connections that served the drained calls are idle now
  server.closeIdleConnections()
  const closed = app.close()
  const forced = sleep(2_000, 'timeout', { ref: false })
  if ((await Promise.race([closed.then(() => 'closed'), forced])) === 'timeout') {
    server.closeAllConnections()
    await closed
  }
  return cut
}
