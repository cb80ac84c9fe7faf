import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Call } from '../../call/call.js'
import type { GatewayDeps } from '../deps.js'

const done = Symbol('switchyard.callWorkDone')

declare module 'fastify' {
  interface FastifyRequest {
    /** Tells the call binding the route's work is over (the response may still be going out). */
    [done]?: () => void
  }
}

/**
 * A call ends when both its work is over and its response is: the response went out (status as sent)
 * or the client left first (499, and the call's signal is aborted at once so the upstream stops). The
 * work is over when the reply is sent (onSend: the route or the error handler answered) or, for a
 * stream, when the route has relayed it (callWorkDone). `call.end()` runs from here alone.
 */
function bind(call: Call, request: FastifyRequest, reply: FastifyReply): void {
  const res = reply.raw
  let workDone = false
  let status: number | null = null
  const maybeEnd = () => {
    if (workDone && status !== null) call.end(status)
  }
  res.once('close', () => {
    if (res.writableFinished) status = res.statusCode
    else {
      status = 499
      call.signal.abort()
    }
    maybeEnd()
  })
  request[done] = () => {
    workDone = true
    maybeEnd()
  }
}

/** The route has finished its work on the call (a relayed stream); the response end decides the rest. */
export function callWorkDone(request: FastifyRequest): void {
  request[done]?.()
}

/** Opens a call for every request a proxied route receives (config.endpoint), before its body is read. */
export function registerCalls(app: FastifyInstance, deps: GatewayDeps): void {
  app.addHook('onRequest', (request, reply, next) => {
    reply.header('x-request-id', request.id)
    const endpoint = request.routeOptions.config.endpoint
    if (endpoint) {
      const call = deps.openCall({ requestId: request.id, endpoint, headers: request.headers, log: request.log, http: { method: request.method, route: request.routeOptions.url ?? request.url } })
      request.call = call
      bind(call, request, reply)
    }
    next()
  })
  app.addHook('onSend', (request, _reply, payload, next) => {
    callWorkDone(request)
    next(null, payload)
  })
}
