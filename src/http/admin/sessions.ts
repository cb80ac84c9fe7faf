import type { FastifyInstance } from 'fastify'
import { sessionStoreKey } from '../../context/context-stage.js'
import { decodeTurns, type SessionTurn } from '../../context/session-turns.js'
import type { CallReads } from '../../ports/call-reads.js'
import type { ContextStore } from '../../ports/context-store.js'

/**
 * GET /admin/sessions/:id[?team=T]: the session's calls in order (who, which rule, which model,
 * cost) from the audit log, and the turns stored for continued sessions (per team: a session id
 * is scoped by team). Audit rows are written in batches, so the newest call may lag briefly.
 */
export function sessionAdminRoutes(app: FastifyInstance, reads: CallReads, store: ContextStore): void {
  app.get<{ Params: { id: string }; Querystring: { team?: string } }>('/sessions/:id', async (request) => {
    const id = request.params.id
    const rows = await reads.sessionCalls(id, 1000)
    const teams = new Set(rows.map((r) => r.team).filter((t): t is string => t !== null))
    if (request.query.team) teams.add(request.query.team)
    const turns: Record<string, SessionTurn[]> = {}
    let store_error: string | null = null
    for (const team of teams) {
      try {
        turns[team] = decodeTurns((await store.read([], sessionStoreKey(team, id))).turns)
      } catch (err) {
        store_error = `session store unavailable: ${(err as Error).message}`
      }
    }
    const cost = rows.reduce((n, r) => n + (r.cost_usd ?? 0), 0)
    return { id, object: 'session', calls: rows, total_cost_usd: Math.round(cost * 1e10) / 1e10, turns, ...(store_error ? { store_error } : {}) }
  })
}
