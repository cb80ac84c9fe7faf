import type { FastifyInstance } from 'fastify'
import { parseSince, renderUsage, usageFormats, usageGroups, type UsageFormat, type UsageGroup } from '../../adapters/audit/usage-report.js'
import { GatewayError } from '../../errors/gateway-error.js'
import type { CallReads } from '../../ports/call-reads.js'

interface UsageQuery {
  by?: string
  since?: string
  format?: string
  team?: string
}

interface CallsQuery {
  session?: string
  team?: string
  key?: string
  since?: string
  limit?: string
  bodies?: string
}

function since(value: string | undefined, fallback: string | undefined): Date | undefined {
  const v = value ?? fallback
  if (v === undefined) return undefined
  try {
    return parseSince(v)
  } catch (err) {
    throw new GatewayError('invalid_request', (err as Error).message.replace('--since', 'since'), { param: 'since' })
  }
}

/**
 * GET /admin/usage?by=team|model|key|session&since=7d&format=json|csv|table&team=T (same report as `switchyard usage`)
 * GET /admin/calls?session=S|team=T|key=K[&since=7d][&limit=100][&bodies=true]: audit rows in time order.
 * Rows are written in batches, so a call from the last few hundred milliseconds may not be listed yet.
 */
export function auditAdminRoutes(app: FastifyInstance, reads: CallReads): void {
  app.get<{ Querystring: UsageQuery }>('/usage', async (request, reply) => {
    const q = request.query
    const by = (q.by ?? 'team') as UsageGroup
    const format = (q.format ?? 'json') as UsageFormat
    if (!usageGroups.includes(by)) throw new GatewayError('invalid_request', `by must be one of ${usageGroups.join(', ')}`, { param: 'by' })
    if (!usageFormats.includes(format)) throw new GatewayError('invalid_request', `format must be one of ${usageFormats.join(', ')}`, { param: 'format' })
    const report = await reads.usage({ by, since: since(q.since, '7d')!, ...(q.team ? { team: q.team } : {}) })
    if (format === 'json') return report
    return reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8').send(renderUsage(report, format))
  })

  app.get<{ Querystring: CallsQuery }>('/calls', async (request) => {
    const q = request.query
    if (q.session === undefined && q.team === undefined && q.key === undefined) {
      throw new GatewayError('invalid_request', 'Give session, team or key.', { param: 'session' })
    }
    const limit = q.limit === undefined ? 100 : Number(q.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new GatewayError('invalid_request', 'limit must be an integer from 1 to 1000.', { param: 'limit' })
    const s = since(q.since, undefined)
    const data = await reads.calls({
      limit,
      ...(q.session !== undefined ? { session: q.session } : {}),
      ...(q.team !== undefined ? { team: q.team } : {}),
      ...(q.key !== undefined ? { key: q.key } : {}),
      ...(s ? { since: s } : {}),
      withBodies: q.bodies === 'true' || q.bodies === '1',
    })
    return { object: 'list', data }
  })
}
