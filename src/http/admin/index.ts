import type { FastifyInstance } from 'fastify'
import { timingSafeEqual } from 'node:crypto'
import { GatewayError } from '../../errors/gateway-error.js'
import { bearerToken } from '../bearer.js'
import type { GatewayDeps } from '../deps.js'
import { inflightRoutes } from './inflight.js'
import { keyAdminRoutes } from './keys.js'
import { policyAdminRoutes } from './policy.js'
import { sessionAdminRoutes } from './sessions.js'
import { targetsRoutes } from './targets.js'
import { teamAdminRoutes } from './teams.js'
import { auditAdminRoutes } from './usage.js'

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * The admin API as one encapsulated plugin under /admin: its bearer-token check is a hook of this
 * scope only, so no other route can be reached with (or needs) the admin token.
 */
export async function adminPlugin(admin: FastifyInstance, deps: GatewayDeps): Promise<void> {
  admin.addHook('onRequest', async (request) => {
    const token = bearerToken(request)
    if (!deps.adminToken || token === null || !safeEqual(token, deps.adminToken)) {
      throw new GatewayError('admin_unauthorized', deps.adminToken ? 'A valid admin token is required.' : 'The admin API is disabled: set SWITCHYARD_ADMIN_TOKEN.')
    }
  })
  const services = deps.admin
  policyAdminRoutes(admin, services.reloader)
  auditAdminRoutes(admin, services.reads)
  sessionAdminRoutes(admin, services.reads, services.sessions)
  targetsRoutes(admin, deps)
  inflightRoutes(admin, deps)
  if (services.keys) {
    keyAdminRoutes(admin, services.keys, deps.runtime)
    teamAdminRoutes(admin, services.keys)
  }
}
