import type { FastifyInstance } from 'fastify'
import type { GatewayDeps } from '../deps.js'

/** The logical models the caller's key may use, in OpenAI's list shape. */
export function modelsRoute(app: FastifyInstance, deps: GatewayDeps): void {
  app.get('/v1/models', { config: { authenticate: true } }, async (request) => {
    const rt = deps.runtime.current
    const p = request.principal!
    const allowed = p.keyModels ?? p.team.models
    const names = rt.catalog.logicalNames().filter((n) => !allowed || allowed.includes(n))
    const created = Math.floor(rt.policy.loadedAt.getTime() / 1000)
    return { object: 'list', data: names.map((id) => ({ id, object: 'model', created, owned_by: 'switchyard' })) }
  })
}
