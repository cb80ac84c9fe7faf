import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { openAudit } from '../adapters/audit/open-audit.js'
import { MemoryAuditRecorder } from '../adapters/audit/memory.js'
import { startDatabase } from '../adapters/db/start-database.js'
import { memoryCallReads } from '../adapters/reads/memory-call-reads.js'
import { sqlCallReads } from '../adapters/reads/sql-call-reads.js'
import { Call, type CallServices } from '../call/call.js'
import { systemClock, newRequestId, type Clock } from '../call/clock.js'
import { InflightCalls } from '../call/inflight.js'
import { loadConfig, type GatewayConfig } from '../config/load.js'
import type { GatewayDeps } from '../http/deps.js'
import { buildServer } from '../http/server.js'
import { drainAndClose } from '../http/shutdown.js'
import { genAiSystem } from '../observability/call-span.js'
import { createLogger, flushLogger } from '../observability/logger.js'
import { Metrics } from '../observability/metrics.js'
import type { AuditRecorder } from '../ports/audit-sink.js'
import type { Database } from '../ports/database.js'
import type { LimitStore } from '../ports/limit-store.js'
import { TransportSet } from '../providers/transport-set.js'
import { CircuitBreakers, breakerStates } from '../routing/circuit-breaker.js'
import { LatencyTracker } from '../routing/latency.js'
import { RuntimeReloader } from '../runtime/reload.js'
import { buildRuntime, type RuntimeRef } from '../runtime/runtime.js'
import { buildContextLayer } from './context-layer.js'
import { buildLimitsLayer } from './limits-layer.js'

export interface GatewayOptions {
  /** Path of the gateway config file. */
  configPath: string
  env?: NodeJS.ProcessEnv
  logger?: Logger
  clock?: Clock
  transports?: TransportSet
  /** Override listen port (tests use 0). */
  port?: number
  host?: string
  audit?: AuditRecorder
  /** Key prefix in Redis (tests use a random one). */
  redisPrefix?: string
  /** Use this database instead of opening DATABASE_URL / embedded PGlite (the caller closes it). */
  database?: Database
  /** Counters for rate limits and budgets (tests share one between gateways); default from REDIS_URL. */
  limitStore?: LimitStore
}

export interface Gateway {
  app: FastifyInstance
  deps: GatewayDeps
  config: GatewayConfig
  /** Listens; resolves with the base URL. */
  listen(): Promise<string>
  /** Graceful stop: readiness off, in-flight calls drained (up to the deadline), audit flushed. */
  close(): Promise<void>
}

/** Providers whose api_key_env names a variable that is not set: their calls will fail until it is. */
function warnMissingKeys(config: GatewayConfig, logger: Logger): void {
  for (const [name, p] of Object.entries(config.gateway.providers)) {
    if (p.api_key_env && !config.secrets.has(name)) logger.warn({ provider: name, api_key_env: p.api_key_env }, `provider "${name}" has no API key: ${p.api_key_env} is not set; its calls will fail until it is`)
  }
}

/**
 * The composition root: config -> runtime -> storage and features -> deps -> HTTP server. Nothing
 * else wires things together; each feature's close runs in reverse order of opening.
 */
export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const config = loadConfig(opts.configPath, opts.env)
  const gw = config.gateway
  const logger = opts.logger ?? createLogger(gw.server.log_level)
  warnMissingKeys(config, logger)
  const runtime: RuntimeRef = { current: buildRuntime(config) }
  // tracing: the SDK is loaded only when OTEL_* enables it; otherwise @opentelemetry/api stays a no-op
  const tracing = config.env.otelEnabled
    ? (await import('../observability/tracing.js')).startTracing({ serviceName: config.env.otelServiceName ? undefined : 'switchyard' })
    : null
  const providerType = (p: string) => runtime.current.config.gateway.providers[p]?.type
  const metrics = new Metrics({ genAiSystem: (p) => genAiSystem(providerType(p)) })
  const storage = await startDatabase(config, logger, opts.database)
  const durable = opts.audit || config.env.auditSink !== 'database' ? null : openAudit({ config, runtime, database: storage.database, prepare: storage.prepare, metrics, log: logger })
  const audit = opts.audit ?? durable?.recorder ?? new MemoryAuditRecorder(config.env.auditSink === 'off' ? 0 : undefined)
  const transports = opts.transports ?? new TransportSet()
  const ctxLayer = await buildContextLayer({ config, runtime, metrics, db: storage.database, ...(opts.redisPrefix ? { redisPrefix: opts.redisPrefix } : {}) })
  const clock = opts.clock ?? systemClock
  const breakers = new CircuitBreakers({
    clock,
    settings: () => runtime.current.config.gateway.resilience.breaker,
    onTransition: (t) => {
      metrics.breakerState.set({ provider: t.provider, model: t.model }, breakerStates[t.to])
      metrics.breakerTransitions.inc({ provider: t.provider, model: t.model, to: t.to })
      logger.warn({ provider: t.provider, model: t.model, from: t.from, to: t.to }, 'circuit breaker')
    },
  })
  for (const m of Object.values(gw.models)) for (const t of m.targets) metrics.breakerState.set({ provider: t.provider, model: t.model }, 0)
  const reloader = new RuntimeReloader({ runtime, load: () => buildRuntime(loadConfig(opts.configPath, opts.env)), log: logger, observer: metrics })
  const limits = await buildLimitsLayer({ config, runtime, metrics, clock, ...(opts.redisPrefix ? { redisPrefix: opts.redisPrefix } : {}), ...(opts.limitStore ? { store: opts.limitStore } : {}) })
  const inflight = new InflightCalls(() => clock.mono())
  const callServices: CallServices = { audit, metrics, clock, inflight, logger, providerType }

  const deps: GatewayDeps = {
    runtime,
    transports,
    metrics,
    audit,
    clock,
    newId: newRequestId,
    context: ctxLayer.context,
    latency: new LatencyTracker(),
    health: breakers,
    limits: limits.stage,
    targetLimits: limits.targets,
    openCall: (o) => new Call(callServices, o),
    authenticator: ctxLayer.authenticator,
    readiness: [{ name: 'config', check: async () => ({ ok: true, detail: `policy ${runtime.current.policy.version}` }) }, ctxLayer.readiness, ...(durable ? [durable.readiness] : []), limits.readiness],
    adminToken: config.env.adminToken,
    logger,
    lifecycle: { stopping: false, draining: false },
    inflight,
    admin: {
      keys: ctxLayer.admin,
      reads: audit instanceof MemoryAuditRecorder ? memoryCallReads(() => audit.rows) : sqlCallReads(storage.database),
      sessions: ctxLayer.store,
      reloader,
      breakers,
    },
    ipGuard: limits.ipGuard,
  }
  const app = await buildServer(deps)
  let closed = false

  return {
    app,
    deps,
    config,
    async listen() {
      const address = await app.listen({ port: opts.port ?? gw.server.port, host: opts.host ?? gw.server.host })
      storage.noteListening(address)
      reloader.start()
      return address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1')
    },
    async close() {
      if (closed) return
      closed = true
      reloader.stop()
      await drainAndClose(app, deps, { drainMs: runtime.current.config.gateway.server.drain_timeout_ms, delayMs: runtime.current.config.gateway.server.shutdown_delay_ms })
      await transports.close()
      await limits.close()
      await (durable ?? audit).close()
      await ctxLayer.close()
      if (!opts.database) await storage.database.close()
      await tracing?.shutdown()
      flushLogger(logger)
    },
  }
}
