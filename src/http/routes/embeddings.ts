import type { FastifyInstance } from 'fastify'
import { handleEmbeddings } from '../../stages/run-embeddings.js'
import { callContext } from '../call-state.js'
import type { GatewayDeps } from '../deps.js'

/** POST /v1/embeddings: routed by the same policy as chat, audited on the same call record. */
export function embeddingsRoute(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/embeddings', { config: { endpoint: 'embeddings' } }, async (request, reply) => {
    const state = request.call!
    const ctx = callContext(request, state, request.principal!)
    const result = await handleEmbeddings(deps, ctx, request.body)
    return reply.code(result.status).headers(state.responseHeaders).type('application/json').send(result.body)
  })
}
