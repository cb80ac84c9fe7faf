import type { FastifyInstance } from 'fastify'
import type { GatewayDeps } from '../deps.js'

/** GET /admin/inflight: the calls being served now (streams included), oldest first. */
export function inflightRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.get('/inflight', async () => {
    const data = deps.inflight.list().sort((a, b) => b.age_ms - a.age_ms)
    return { object: 'list', draining: deps.lifecycle.draining, count: data.length, data }
  })
}
