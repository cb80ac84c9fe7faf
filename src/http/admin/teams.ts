import type { FastifyInstance } from 'fastify'
import { createTeamSchema, patchTeamSchema, type KeyAdmin } from '../../identity/key-admin.js'
import { parseBody } from '../../errors/parse-body.js'
import { GatewayError } from '../../errors/gateway-error.js'

/** POST/GET /admin/teams, GET/PATCH /admin/teams/:id, behind the admin token. */
export function teamAdminRoutes(admin: KeyAdmin) {
  return (app: FastifyInstance): void => {
    app.post('/admin/teams', { config: { admin: true } }, async (request, reply) => {
      return reply.code(201).send(await admin.createTeam(parseBody(createTeamSchema, request.body)))
    })

    app.get('/admin/teams', { config: { admin: true } }, async () => ({ object: 'list', data: await admin.listTeams() }))

    app.get<{ Params: { id: string } }>('/admin/teams/:id', { config: { admin: true } }, async (request) => {
      const team = await admin.getTeam(request.params.id)
      if (!team) throw new GatewayError('not_found', `No team "${request.params.id}".`)
      return team
    })

    app.patch<{ Params: { id: string } }>('/admin/teams/:id', { config: { admin: true } }, async (request) => {
      const team = await admin.patchTeam(request.params.id, parseBody(patchTeamSchema, request.body))
      if (!team) throw new GatewayError('not_found', `No team "${request.params.id}".`)
      return team
    })
  }
}
