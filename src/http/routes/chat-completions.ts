import type { FastifyInstance } from 'fastify'
import { decodeChat, encodeChatCompletion, encodeChatStream, openaiChat } from '../../ingress/openai-chat/index.js'
import { withActiveSpan } from '../../observability/tracer.js'
import { runModel } from '../../stages/run-model.js'
import type { GatewayDeps } from '../deps.js'
import { callWorkDone } from '../plugins/calls.js'
import { pipeSse } from '../sse-writer.js'

/** POST /v1/chat/completions: decode -> stages -> encode, JSON or SSE. */
export function chatCompletionsRoute(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/chat/completions', { config: { endpoint: 'chat.completions', dialect: openaiChat } }, async (request, reply) => {
    const call = request.call!
    const req = decodeChat(request.body)
    const out = await withActiveSpan(call.span, () => runModel(deps, call, req, { rawBody: request.rawBody ?? undefined }))
    if (out.kind === 'result') {
      return reply.code(200).headers(call.responseHeaders).type('application/json').send(encodeChatCompletion(out.completion, out.encoded))
    }
    reply.hijack()
    call.streamStarted()
    try {
      const sse = encodeChatStream(out.events, { clientWantsUsage: req.stream_options?.include_usage === true })
      await withActiveSpan(call.span, () => pipeSse(reply.raw, { ...(reply.getHeaders() as Record<string, string>), ...call.responseHeaders }, sse, call.signal))
    } finally {
      callWorkDone(request)
    }
    return reply
  })
}
