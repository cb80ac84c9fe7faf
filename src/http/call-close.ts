import type { FastifyInstance, FastifyRequest } from 'fastify'
import { clientLeft } from '../providers/shared/transport.js'
import { closeCall } from './close-call.js'
import type { GatewayDeps } from './deps.js'

/**
 * Closes every proxied call exactly once. Normally onResponse does it (streams are closed by their
 * route); but fastify runs no onResponse when the client left before the response finished, so
 * onSend (the call's work is over by then) closes such calls itself, as 499.
 */
export function registerCallClose(app: FastifyInstance, deps: GatewayDeps): void {
  const close = (request: FastifyRequest, status: number) => {
    const call = request.call
    if (!call || call.record.latencyMs !== null) return // no call, or already closed
    if (!call.streaming) deps.metrics.inflight.dec({ stream: 'false' })
    closeCall(deps, request.log, call, status)
  }
  app.addHook('onSend', async (request, reply, payload) => {
    const call = request.call
    if (!call) return payload
    if (clientLeft(call.abort.signal)) close(request, 499)
    else reply.raw.once('close', () => close(request, reply.raw.writableFinished ? reply.statusCode : 499))
    return payload
  })
  app.addHook('onResponse', async (request, reply) => close(request, reply.statusCode))
}
