import type { FastifyInstance } from 'fastify'
import { createKeySchema, type KeyAdmin } from '../../identity/key-admin.js'
import { publicKey } from '../../identity/records.js'
import type { RuntimeRef } from '../../runtime/runtime.js'
import { parseBody } from '../../errors/parse-body.js'
import { GatewayError } from '../../errors/gateway-error.js'

/** POST/GET /admin/keys, DELETE /admin/keys/:id (revoke). */
export function keyAdminRoutes(app: FastifyInstance, admin: KeyAdmin, runtime: RuntimeRef): void {
  app.post('/keys', async (request, reply) => {
    const { key, record } = await admin.createKey(parseBody(createKeySchema, request.body))
    // the only time the key is shown
    return reply.code(201).header('cache-control', 'no-store').send({ ...publicKey(record), key })
  })

  app.get('/keys', async () => {
    const fromConfig = Object.entries(runtime.current.config.gateway.teams).flatMap(([teamId, team]) =>
      (team.keys ?? []).map((k) => ({
        id: `config:${teamId}:${k.name}`, object: 'api_key', source: 'config', team: teamId, name: k.name, hint: null,
        models: k.models ?? null, rpm: k.rpm ?? null, tpm: k.tpm ?? null, expires_at: k.expires_at ?? null, revoked_at: null, created_at: null,
      })),
    )
    const stored = (await admin.listKeys()).map((r) => publicKey(r))
    return { object: 'list', data: [...fromConfig, ...stored] }
  })

  app.delete<{ Params: { id: string } }>('/keys/:id', async (request) => {
    const id = request.params.id
    if (id.startsWith('config:')) throw new GatewayError('invalid_request', 'This key is declared in config: remove it from teams.<team>.keys there.', { param: 'id' })
    const out = await admin.revokeKey(id)
    if (!out) throw new GatewayError('not_found', `No key with id "${id}".`)
    return { ...publicKey(out.record), revoked: true, propagated: out.propagated }
  })
}
