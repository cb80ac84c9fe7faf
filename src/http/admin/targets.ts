import type { FastifyInstance } from 'fastify'
import type { GatewayDeps } from '../deps.js'

/** GET /admin/targets: every configured target with its breaker state, failures, last error and moving latency. */
export function targetsRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.get('/targets', async () => {
    const gw = deps.runtime.current.config.gateway
    const configured: Array<{ provider: string; model: string }> = []
    const usedBy = new Map<string, string[]>()
    for (const [name, m] of Object.entries(gw.models)) {
      for (const t of m.targets) {
        const k = `${t.provider}/${t.model}`
        if (!usedBy.has(k)) configured.push(t)
        usedBy.set(k, [...(usedBy.get(k) ?? []), name])
      }
    }
    const status = deps.admin.breakers.status(configured)
    return {
      object: 'list',
      breaker: gw.resilience.breaker,
      data: status.map((s) => ({ ...s, type: gw.providers[s.provider]?.type ?? null, models: usedBy.get(`${s.provider}/${s.model}`) ?? [] })),
    }
  })
}
