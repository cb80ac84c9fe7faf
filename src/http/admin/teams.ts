import type { FastifyInstance } from 'fastify'
import { createTeamSchema, patchTeamSchema, type KeyAdmin } from '../../identity/key-admin.js'
import { parseBody } from '../../errors/parse-body.js'
import { GatewayError } from '../../errors/gateway-error.js'

/** POST/GET /admin/teams, GET/PATCH /admin/teams/:id */
export function teamAdminRoutes(app: FastifyInstance, admin: KeyAdmin): void {
  app.post('/teams', async (request, reply) => {
    return reply.code(201).send(await admin.createTeam(parseBody(createTeamSchema, request.body)))
  })

  app.get('/teams', async () => ({ object: 'list', data: await admin.listTeams() }))

  app.get<{ Params: { id: string } }>('/teams/:id', async (request) => {
    const team = await admin.getTeam(request.params.id)
    if (!team) throw new GatewayError('not_found', `No team "${request.params.id}".`)
    return team
  })

  app.patch<{ Params: { id: string } }>('/teams/:id', async (request) => {
    const team = await admin.patchTeam(request.params.id, parseBody(patchTeamSchema, request.body))
    if (!team) throw new GatewayError('not_found', `No team "${request.params.id}".`)
    return team
  })
}
