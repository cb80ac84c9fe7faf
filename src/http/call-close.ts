import type { FastifyInstance, FastifyRequest } from 'fastify'
import { clientLeft } from '../providers/shared/transport.js'
import { closeCall } from './close-call.js'
import type { GatewayDeps } from './deps.js'

/**
 * Closes every proxied call exactly once. Normally onResponse does it (streams are closed by their
 * route); but fastify runs no onResponse when the client left before the response finished, so such
 * calls are closed as 499 by onSend (the call's work is over by then) or, when the client leaves
 * after onSend, by the response's close listener (startCall), which calls `onLeftAfterSend`.
 * Hooks take callbacks rather than async functions: they run on every call, promises cost.
 */
export function registerCallClose(app: FastifyInstance, deps: GatewayDeps): void {
  const close = (request: FastifyRequest, status: number) => {
    const call = request.call
    if (!call || call.record.latencyMs !== null) return // no call, or already closed
    if (!call.streaming) deps.metrics.inflight.dec({ stream: 'false' })
    closeCall(deps, call, status)
  }
  app.addHook('onSend', (request, reply, payload, done) => {
    const call = request.call
    if (call) {
      if (clientLeft(call.abort)) close(request, 499)
      else call.onLeftAfterSend = () => close(request, 499)
    }
    done(null, payload)
  })
  app.addHook('onResponse', (request, reply, done) => {
    close(request, reply.statusCode)
    done()
  })
}
