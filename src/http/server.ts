import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { lazyChildLogger } from './lazy-child-logger.js'
import { adminPlugin } from './admin/index.js'
import type { GatewayDeps } from './deps.js'
import { registerCalls } from './plugins/calls.js'
import { registerErrorHandling } from './plugins/errors.js'
import { ipRateLimit } from './plugins/ip-rate-limit.js'
import { registerKeyAuth } from './plugins/key-auth.js'
import { chatCompletionsRoute } from './routes/chat-completions.js'
import { embeddingsRoute } from './routes/embeddings.js'
import { healthRoutes } from './routes/health.js'
import { modelsRoute } from './routes/models.js'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The HTTP surface: the call plugins, the client API routes, health, and the admin plugin under /admin. */
export async function buildServer(deps: GatewayDeps): Promise<FastifyInstance> {
  const cfg = deps.runtime.current.config.gateway
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // one log line per call is written when the call ends, not fastify's two
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: Math.round(cfg.server.body_limit_mb * 1024 * 1024),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return cfg.server.trust_request_id && typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : deps.newId()
    },
    // requests that arrive while closing go through the hooks: a 503 shutting_down, and an audit row
    return503OnClosing: false,
    forceCloseConnections: false,
  }) as unknown as FastifyInstance
  app.decorateRequest('call', null)
  app.decorateRequest('principal', null)
  app.decorateRequest('rawBody', null)
  // fastify's own JSON parser (errors, prototype-poisoning checks), keeping the text: an upstream
  // request that is exactly the client's can go out as this text
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string
    parseJson(request, body as string, done)
  })
  registerErrorHandling(app)
  registerCalls(app, deps)
  registerKeyAuth(app, deps)
  await ipRateLimit(app, deps.ipGuard)

  chatCompletionsRoute(app, deps)
  embeddingsRoute(app, deps)
  modelsRoute(app, deps)
  healthRoutes(app, deps)
  await app.register(async (admin) => adminPlugin(admin, deps), { prefix: '/admin' })
  return app
}
