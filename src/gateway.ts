import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { loadConfig, type GatewayConfig } from './config/load.js'
import { ConfigAuthenticator } from './core/auth/authenticator.js'
import { systemClock, newRequestId, type Clock } from './core/clock.js'
import { buildRuntime, type RuntimeRef } from './core/runtime.js'
import { TransportSet } from './core/transports.js'
import { buildApp } from './http/app.js'
import type { GatewayDeps } from './http/deps.js'
import { MemoryAuditRecorder } from './adapters/audit/memory.js'
import { Metrics } from './observability/metrics.js'
import { createLogger, flushLogger } from './observability/logger.js'
import type { AuditRecorder } from './ports/audit-sink.js'

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

/** The composition root: config -> runtime -> adapters -> deps -> app. Nothing else wires things together. */
export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const config = loadConfig(opts.configPath, opts.env)
  const gw = config.gateway
  const logger = opts.logger ?? createLogger(gw.server.log_level)
  const runtime: RuntimeRef = { current: buildRuntime(config) }
  const metrics = new Metrics()
  const audit = opts.audit ?? new MemoryAuditRecorder()
  const transports = opts.transports ?? new TransportSet()

  const deps: GatewayDeps = {
    runtime,
    transports,
    audit,
    metrics,
    clock: opts.clock ?? systemClock,
    newId: newRequestId,
    authenticator: new ConfigAuthenticator(runtime),
    readiness: [{ name: 'config', check: async () => ({ ok: true, detail: `policy ${runtime.current.policy.version}` }) }],
    adminToken: config.env.adminToken,
    logger,
    lifecycle: { draining: false },
    plugins: [],
  }

  const app = await buildApp(deps)
  let closed = false

  return {
    app,
    deps,
    config,
    async listen() {
      const address = await app.listen({ port: opts.port ?? gw.server.port, host: opts.host ?? gw.server.host })
      return address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1')
    },
    async close() {
      if (closed) return
      closed = true
      deps.lifecycle.draining = true
      await app.close()
      await transports.close()
      await audit.close()
      flushLogger(logger)
    },
  }
}
