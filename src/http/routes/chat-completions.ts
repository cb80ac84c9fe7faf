import type { FastifyInstance } from 'fastify'
import { handleChat } from '../../core/handle-chat.js'
import { finishCall } from '../../core/finish-call.js'
import type { GatewayDeps } from '../deps.js'
import { callContext } from '../call-state.js'
import { pipeSse } from '../sse-writer.js'
import { logCall } from '../../observability/call-log.js'
import { clientLeft } from '../../providers/shared/transport.js'

export function chatCompletionsRoute(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/chat/completions', { config: { endpoint: 'chat.completions' } }, async (request, reply) => {
    const state = request.call!
    const ctx = callContext(request, state, request.principal!)
    const result = await handleChat(deps, ctx, request.body)
    if (result.kind === 'json') {
      return reply.code(result.status).headers(state.responseHeaders).type('application/json').send(result.body)
    }
    reply.hijack() // onResponse does not run for hijacked replies: this route closes the call itself
    deps.metrics.inflight.dec({ stream: 'false' })
    deps.metrics.inflight.inc({ stream: 'true' })
    try {
      await pipeSse(reply.raw, { ...(reply.getHeaders() as Record<string, string>), ...state.responseHeaders }, result.body, state.abort.signal)
    } finally {
      deps.metrics.inflight.dec({ stream: 'true' })
      if (finishCall(deps, state.record, state.startMono, clientLeft(state.abort.signal) ? 499 : 200)) logCall(request.log, state.record)
    }
    return reply
  })
}
