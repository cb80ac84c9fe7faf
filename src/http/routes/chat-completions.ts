import type { FastifyInstance } from 'fastify'
import { handleChat } from '../../stages/run-chat.js'
import type { GatewayDeps } from '../deps.js'
import { callContext } from '../call-state.js'
import { pipeSse } from '../sse-writer.js'
import { clientLeft } from '../../providers/shared/transport.js'
import { withActiveSpan } from '../../observability/tracer.js'
import { closeCall } from '../close-call.js'

export function chatCompletionsRoute(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/chat/completions', { config: { endpoint: 'chat.completions' } }, async (request, reply) => {
    const state = request.call!
    const ctx = callContext(request, state, request.principal!)
    const result = await withActiveSpan(state.span, () => handleChat(deps, ctx, request.body, request.rawBody ?? undefined))
    if (result.kind === 'json') {
      return reply.code(result.status).headers(state.responseHeaders).type('application/json').send(result.body)
    }
    reply.hijack() // onResponse does not run for hijacked replies: this route closes the call itself
    state.streaming = true // onResponse still fires for this hijacked reply; it must not count it twice
    deps.metrics.inflight.dec({ stream: 'false' })
    deps.metrics.inflight.inc({ stream: 'true' })
    try {
      await withActiveSpan(state.span, () => pipeSse(reply.raw, { ...(reply.getHeaders() as Record<string, string>), ...state.responseHeaders }, result.body, state.abort))
    } finally {
      deps.metrics.inflight.dec({ stream: 'true' })
      closeCall(deps, state, clientLeft(state.abort) ? 499 : 200)
    }
    return reply
  })
}
