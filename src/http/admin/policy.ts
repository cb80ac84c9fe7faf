import type { FastifyInstance } from 'fastify'
import type { RuntimeReloader } from '../../runtime/reload.js'
import { GatewayError } from '../../errors/gateway-error.js'

/** GET /admin/policy (status) and POST /admin/policy/reload. */
export function policyAdminRoutes(app: FastifyInstance, reloader: RuntimeReloader): void {
  app.get('/policy', async () => reloader.status())
  app.post('/policy/reload', async () => {
    const result = reloader.reload()
    if (!result.ok) throw new GatewayError('config_invalid', `Reload rejected; running version ${result.version} stays. ${result.errors.join('; ')}`)
    return { ...reloader.status(), changed: result.changed }
  })
}
