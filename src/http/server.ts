import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { timingSafeEqual } from 'node:crypto'
import { GatewayError } from '../errors/gateway-error.js'
import { openCallSpan, traceAuth } from '../observability/call-span.js'
import { lazyChildLogger } from '../observability/lazy-child-logger.js'
import { bearerToken } from './bearer.js'
import { registerCallClose } from './call-close.js'
import { startCall } from './call-state.js'
import type { GatewayDeps } from './deps.js'
import { registerErrorHandling } from './plugins/errors.js'
import { chatCompletionsRoute } from './routes/chat-completions.js'
import { embeddingsRoute } from './routes/embeddings.js'
import { healthRoutes } from './routes/health.js'
import { modelsRoute } from './routes/models.js'
import { inflightRoute } from './admin/inflight.js'
import { targetsRoute } from './admin/targets.js'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Composition of the HTTP surface. Features register routes; the core does the work. */
export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const cfg = deps.runtime.current.config.gateway
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // one log line per call is written by logCall when the call closes, not fastify's two
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    childLoggerFactory: lazyChildLogger,
    bodyLimit: Math.round(cfg.server.body_limit_mb * 1024 * 1024),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return cfg.server.trust_request_id && typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : deps.newId()
    },
    // requests that arrive while closing go through the hooks: an OpenAI-shaped 503 shutting_down, and an audit row
    return503OnClosing: false,
    forceCloseConnections: false,
  }) as unknown as FastifyInstance
  app.decorateRequest('call', null)
  app.decorateRequest('principal', null)
  app.decorateRequest('rawBody', null)
  // fastify's own JSON parser (errors, prototype-poisoning checks), keeping the text: an upstream
  // request that is exactly the client's can go out as this text (AdapterContext.rawBody)
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string
    parseJson(request, body as string, done)
  })
  registerErrorHandling(app)

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    const endpoint = request.routeOptions.config.endpoint
    if (endpoint) {
      const state = startCall(request, reply, endpoint, deps.clock.mono(), new Date(deps.clock.now()))
      state.span = openCallSpan(state.record, request.method, request.routeOptions.url ?? request.url, request.headers)
      deps.inflight?.add(state.record, state.startMono, (reason) => state.abort.abort(reason))
      deps.metrics.inflight.inc({ stream: 'false' })
    }
    done()
  })

  app.addHook('preHandler', async (request) => {
    const rc = request.routeOptions.config
    if (rc.admin) {
      const token = bearerToken(request)
      if (!deps.adminToken || token === null || !safeEqual(token, deps.adminToken)) {
        throw new GatewayError('admin_unauthorized', deps.adminToken ? 'A valid admin token is required.' : 'The admin API is disabled: set SWITCHYARD_ADMIN_TOKEN.')
      }
      return
    }
    if (rc.endpoint || rc.authenticate) {
      if (deps.lifecycle.draining) throw new GatewayError('shutting_down', undefined, { headers: { connection: 'close' } })
      request.principal = await traceAuth(request.call?.span, () => deps.authenticator.authenticate(bearerToken(request)))
    }
  })

  registerCallClose(app, deps)

  chatCompletionsRoute(app, deps)
  embeddingsRoute(app, deps)
  modelsRoute(app, deps)
  healthRoutes(app, deps)
  targetsRoute(app, deps)
  inflightRoute(app, deps)
  for (const plugin of deps.plugins ?? []) await plugin(app, deps)
  return app
}
