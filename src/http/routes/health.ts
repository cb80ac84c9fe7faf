import type { FastifyInstance } from 'fastify'
import type { GatewayDeps } from '../deps.js'

export function healthRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    if (deps.lifecycle.stopping) return reply.code(503).send({ status: 'draining' })
    const rt = deps.runtime.current
    const checks: Record<string, { ok: boolean; degraded?: boolean; detail?: string }> = {}
    await Promise.all(
      deps.readiness.map(async (c) => {
        try {
          checks[c.name] = await c.check()
        } catch (err) {
          checks[c.name] = { ok: false, detail: (err as Error).message }
        }
      }),
    )
    const ok = Object.values(checks).every((c) => c.ok)
    const degraded = Object.values(checks).some((c) => c.degraded)
    return reply.code(ok ? 200 : 503).send({ status: ok ? (degraded ? 'degraded' : 'ready') : 'unready', policy_version: rt.policy.version, checks })
  })

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics()
    return reply.type(deps.metrics.registry.contentType).send(text)
  })
}
