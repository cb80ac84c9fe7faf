import type { FastifyInstance } from 'fastify'
import type { RuntimeReloader } from '../../runtime/reload.js'
import { GatewayError } from '../../errors/gateway-error.js'

/** GET /admin/policy (status) and POST /admin/policy/reload, behind the admin token. */
export function policyAdminRoutes(reloader: RuntimeReloader) {
  return (app: FastifyInstance): void => {
    app.get('/admin/policy', { config: { admin: true } }, async () => reloader.status())
    app.post('/admin/policy/reload', { config: { admin: true } }, async () => {
      const result = reloader.reload()
      if (!result.ok) throw new GatewayError('config_invalid', `Reload rejected; running version ${result.version} stays. ${result.errors.join('; ')}`)
      return { ...reloader.status(), changed: result.changed }
    })
  }
}
