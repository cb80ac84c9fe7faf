import type { FastifyInstance } from 'fastify'
import { decodeEmbeddings, encodeEmbeddings, openaiEmbeddings } from '../../ingress/openai-embeddings/index.js'
import { runEmbeddings } from '../../stages/run-embeddings.js'
import type { GatewayDeps } from '../deps.js'

/** POST /v1/embeddings: routed by the same policy as chat, audited on the same call record. */
export function embeddingsRoute(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/embeddings', { config: { endpoint: 'embeddings', dialect: openaiEmbeddings } }, async (request, reply) => {
    const call = request.call!
    const req = decodeEmbeddings(request.body)
    const out = await runEmbeddings(deps, call, req)
    return reply.code(200).headers(call.responseHeaders).type('application/json').send(encodeEmbeddings(out.response, out.text, req))
  })
}
