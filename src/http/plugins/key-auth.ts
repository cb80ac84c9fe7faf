import type { FastifyInstance } from 'fastify'
import { GatewayError } from '../../errors/gateway-error.js'
import { traceAuth } from '../../observability/call-span.js'
import { bearerToken } from '../bearer.js'
import type { GatewayDeps } from '../deps.js'

/** Proxied routes and key-only routes (/v1/models): the caller's key -> principal, before the handler. */
export function registerKeyAuth(app: FastifyInstance, deps: GatewayDeps): void {
  app.addHook('preHandler', async (request) => {
    const rc = request.routeOptions.config
    if (!rc.endpoint && !rc.authenticate) return
    if (deps.lifecycle.draining) throw new GatewayError('shutting_down', undefined, { headers: { connection: 'close' } })
    const call = request.call
    const principal = await traceAuth(call?.span, () => deps.authenticator.authenticate(bearerToken(request)))
    request.principal = principal
    call?.identify(principal)
  })
}
