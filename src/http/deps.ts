import type { Logger } from 'pino'
import type { Authenticator } from '../identity/authenticator.js'
import type { ChatDeps } from '../stages/run-chat.js'
import type { CircuitBreakers } from '../routing/circuit-breaker.js'
import type { InflightCalls } from '../call/inflight.js'
import type { Principal } from '../identity/principal.js'
import type { Database } from '../ports/database.js'
import type { ReadinessCheck } from './routes/health.js'

/** Everything the HTTP layer needs, built by the composition root (src/gateway.ts). */
export interface GatewayDeps extends ChatDeps {
  authenticator: Authenticator
  readiness: ReadinessCheck[]
  adminToken: string | undefined
  logger: Logger
  /** SQL store (Postgres or embedded PGlite), migrated at start. Audit, keys and teams live here. */
  database: Database
  /**
   * `stopping`: told to stop, readiness off, calls still served (server.shutdown_delay_ms);
   * `draining`: new calls refused, listener closed. `hurry` ends the shutdown delay early.
   */
  lifecycle: { stopping: boolean; draining: boolean; hurry?: () => void }
  /** Calls between first byte and audit row (graceful shutdown, GET /admin/inflight). */
  inflight?: InflightCalls
  /** Per-target circuit breakers (also `health`), for GET /admin/targets. */
  breakers?: CircuitBreakers
  /** Extra routes and hooks contributed by features (admin APIs, limits); registered last. */
  plugins?: Array<(app: import('fastify').FastifyInstance, deps: GatewayDeps) => void | Promise<void>>
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
    /** The JSON body's text, as the client sent it (null for other content types). */
    rawBody: string | null
  }
  interface FastifyContextConfig {
    /** Set on proxied routes: an audit record is opened for every request they receive. */
    endpoint?: 'chat.completions' | 'embeddings'
    /** Set on routes that need a Switchyard key but are not proxied calls. */
    authenticate?: boolean
    /** Set on /admin routes. */
    admin?: boolean
  }
}
