import type { GatewayConfig } from '../config/load.js'
import { createLimitBackend, type LimitBackend } from '../adapters/limits/create.js'
import type { Clock } from '../call/clock.js'
import { LimitsStage } from '../limits/limit-stage.js'
import { TargetLimits } from '../limits/target-limits.js'
import { limitsReadiness } from '../limits/readiness.js'
import type { RuntimeRef } from '../runtime/runtime.js'
import type { ReadinessCheck } from '../ports/readiness.js'
import type { Redis } from 'ioredis'
import type { Metrics } from '../observability/metrics.js'
import type { LimitStore } from '../ports/limit-store.js'

interface LimitsLayer {
  stage: LimitsStage
  /** Per-target rate limits (targets[].rpm / tpm), on the same store. */
  targets: TargetLimits
  readiness: ReadinessCheck
  /** Settings of the per-IP guard for routes that are not proxied calls (off unless limits.ip_rpm). */
  ipGuard: { rpm: number | undefined; redis?: Redis | undefined; nameSpace: string }
  close(): Promise<void>
}

/** Rate limits and budgets: the counter store (Redis from REDIS_URL, else in-process), the stage, per-target limits, readiness, the IP guard. */
export async function buildLimitsLayer(opts: { config: GatewayConfig; runtime: RuntimeRef; metrics: Metrics; clock: Clock; redisPrefix?: string; store?: LimitStore }): Promise<LimitsLayer> {
  const cfg = opts.config.gateway.limits
  const prefix = opts.redisPrefix ? `${opts.redisPrefix}lim:` : cfg.key_prefix
  const backend: LimitBackend = opts.store
    ? { store: opts.store, kind: 'injected', close: async () => {} }
    : await createLimitBackend({ ...cfg, key_prefix: prefix }, opts.config.env.redisUrl)
  const live = () => opts.runtime.current.config.gateway.limits
  return {
    stage: new LimitsStage(backend.store, { metrics: opts.metrics, clock: opts.clock, settings: () => ({ windowMs: live().window_ms, onStoreError: live().on_store_error }), backend: backend.kind }),
    targets: new TargetLimits(backend.store, { clock: opts.clock, windowMs: () => live().window_ms, onStoreError: () => opts.metrics.storageErrors.inc({ backend: 'redis' }) }),
    readiness: limitsReadiness(backend.store, backend.kind, opts.metrics, () => live().on_store_error),
    ipGuard: { rpm: cfg.ip_rpm, redis: backend.redis, nameSpace: `${prefix}ip:` },
    close: () => backend.close(),
  }
}
