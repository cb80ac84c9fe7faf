import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CallContext } from '../call/log.js'
import { newCallRecord, type CallRecord } from '../call/record.js'
import type { Principal } from '../identity/principal.js'
import type { Span } from '../observability/tracer.js'
import { CallSignal } from '../call/cancel.js'

/** Per-request audit state, created when a proxied route's request arrives, before the body is even read. */
export interface CallState {
  record: CallRecord
  startMono: number
  /**
   * Aborted when the client goes away (plain abort), or with a GatewayError reason when the gateway
   * ends the call itself (shutdown deadline); `clientLeft(signal)` tells the two apart.
   */
  abort: CallSignal
  responseHeaders: Record<string, string>
  /** Server span of the call (non-recording when tracing is off). */
  span?: Span
  /** Set once the route relays an SSE stream (it then owns the in-flight gauge and closing the call). */
  streaming?: boolean
  /** Set by onSend: closes the call as 499 if the client leaves before the response has gone out. */
  onLeftAfterSend?: () => void
}

declare module 'fastify' {
  interface FastifyRequest {
    call: CallState | null
  }
}

export function startCall(request: FastifyRequest, reply: FastifyReply, endpoint: CallRecord['endpoint'], startMono: number, now: Date): CallState {
  const abort = new CallSignal()
  const state: CallState = { record: newCallRecord(request.id, endpoint, now), startMono, abort, responseHeaders: { 'x-request-id': request.id } }
  const sessionId = request.headers['x-switchyard-session']
  if (typeof sessionId === 'string' && sessionId !== '') state.record.sessionId = sessionId.slice(0, 200)
  const tags = request.headers['x-switchyard-tags']
  if (typeof tags === 'string' && tags !== '') state.record.tags = tags.split(',').map((t) => t.trim()).filter(Boolean).slice(0, 20).map((t) => t.slice(0, 100))
  const res = reply.raw
  res.once('close', () => {
    if (res.writableFinished) return
    abort.abort()
    state.onLeftAfterSend?.()
  })
  request.call = state
  return state
}

export function callContext(request: FastifyRequest, state: CallState, principal: Principal): CallContext {
  const r = state.record
  r.teamId = principal.teamId
  r.keyId = principal.keyId
  return {
    requestId: request.id,
    principal,
    headers: request.headers,
    signal: state.abort,
    record: r,
    startMono: state.startMono,
    log: request.log,
    responseHeaders: state.responseHeaders,
  }
}
