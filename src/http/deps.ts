import type { Logger } from 'pino'
import type { Call, OpenCallOptions } from '../call/call.js'
import type { InflightCalls } from '../call/inflight.js'
import type { Authenticator } from '../identity/authenticator.js'
import type { KeyAdmin } from '../identity/key-admin.js'
import type { Principal } from '../identity/principal.js'
import type { IngressDialect } from '../ingress/types.js'
import type { Metrics } from '../observability/metrics.js'
import type { AuditRecorder } from '../ports/audit-sink.js'
import type { CallReads } from '../ports/call-reads.js'
import type { ContextStore } from '../ports/context-store.js'
import type { ReadinessCheck } from '../ports/readiness.js'
import type { CircuitBreakers } from '../routing/circuit-breaker.js'
import type { RuntimeReloader } from '../runtime/reload.js'
import type { StageDeps } from '../stages/types.js'
import type { Redis } from 'ioredis'

/**
 * `stopping`: told to stop, readiness off, calls still served (server.shutdown_delay_ms);
 * `draining`: new calls refused, listener closed. `hurry` ends the shutdown delay early.
 */
interface Lifecycle {
  stopping: boolean
  draining: boolean
  hurry?: () => void
}

/** What the admin API reads and changes; each part is absent when its storage is not wired. */
interface AdminServices {
  keys: KeyAdmin | null
  reads: CallReads
  /** Session turns (GET /admin/sessions/:id). */
  sessions: ContextStore
  reloader: RuntimeReloader
  breakers: CircuitBreakers
}

/** Everything the HTTP layer needs, built by the composition root (src/app/gateway.ts). */
export interface GatewayDeps extends StageDeps {
  /** Opens a call (the HTTP layer's, or an in-process one). */
  openCall(o: OpenCallOptions): Call
  authenticator: Authenticator
  readiness: ReadinessCheck[]
  adminToken: string | undefined
  logger: Logger
  metrics: Metrics
  /** Where ended calls' audit rows go. */
  audit: AuditRecorder
  lifecycle: Lifecycle
  /** Calls between first byte and audit row (graceful shutdown, GET /admin/inflight). */
  inflight: InflightCalls
  admin: AdminServices
  /** The per-IP guard for routes that are not proxied calls (limits.ip_rpm). */
  ipGuard: { rpm: number | undefined; redis?: Redis | undefined; nameSpace: string }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The call a proxied route's request opened (null on other routes). */
    call: Call | null
    principal: Principal | null
    /** The JSON body's text, as the client sent it (null for other content types). */
    rawBody: string | null
  }
  interface FastifyContextConfig {
    /** Set on proxied routes: a call (and its audit row) is opened for every request they receive. */
    endpoint?: import('../call/record.js').Endpoint
    /** How the route's client reads errors (default: OpenAI's envelope). */
    dialect?: IngressDialect
    /** Set on routes that need a Switchyard key but are not proxied calls. */
    authenticate?: boolean
  }
}
