import type { FastifyInstance } from 'fastify'
import { GatewayError } from '../../errors/gateway-error.js'
import type { Principal } from '../../identity/principal.js'
import type { Runtime } from '../../runtime/runtime.js'
import { modelRefusal } from '../../stages/route.js'
import type { GatewayDeps } from '../deps.js'

const modelObject = (rt: Runtime, id: string) => ({ id, object: 'model', created: Math.floor(rt.policy.loadedAt.getTime() / 1000), owned_by: 'switchyard' })

/** The logical models a principal may use: its team's, narrowed by its key's. */
const usable = (rt: Runtime, p: Principal): string[] => rt.catalog.logicalNames().filter((n) => modelRefusal(p, n) === null)

/** GET /v1/models (the logical models the caller's key may use) and GET /v1/models/{id}, in OpenAI's shapes. */
export function modelsRoute(app: FastifyInstance, deps: GatewayDeps): void {
  app.get('/v1/models', { config: { authenticate: true } }, async (request) => {
    const rt = deps.runtime.current
    return { object: 'list', data: usable(rt, request.principal!).map((id) => modelObject(rt, id)) }
  })

  app.get<{ Params: { id: string } }>('/v1/models/:id', { config: { authenticate: true } }, async (request) => {
    const rt = deps.runtime.current
    const id = request.params.id
    if (!usable(rt, request.principal!).includes(id)) throw new GatewayError('model_not_found', `The model \`${id}\` does not exist or you do not have access to it.`, { param: 'model' })
    return modelObject(rt, id)
  })
}
