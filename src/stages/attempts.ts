import { setTimeout as sleep } from 'node:timers/promises'
import type { ResilienceConfig } from '../config/schema.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { Target } from '../providers/types.js'
import type { Call } from '../call/call.js'
import { ClientCancelledError, abortError } from '../call/cancel.js'
import type { AttemptRecord } from '../call/record.js'
import type { Clock } from '../call/clock.js'

/** Per-target health the attempt loop consults and feeds (circuit breakers, latency). */
export interface TargetHealth {
  /** False while the target's breaker is open (the loop skips it). */
  allow(target: Target): boolean
  success(target: Target, latencyMs: number): void
  failure(target: Target, err: GatewayError): void
  /** The attempt ended without a verdict on the target (the client left): frees a half-open probe. */
  abandon?(target: Target): void
}

interface AttemptOptions {
  resilience: ResilienceConfig
  clock: Clock
  health?: TargetHealth | undefined
  /** Asked before each attempt (per-target rate limits): a refusal skips the target, as an open breaker does. Null (not a promise) when there is nothing to check. */
  gate?: ((target: Target) => Promise<GatewayError | null> | null) | undefined
  random?: () => number
}

/** Backoff before retry n (1-based): exponential with full jitter, or the upstream's retry-after. */
export function backoffMs(n: number, err: GatewayError, r: ResilienceConfig, random: () => number): number | null {
  if (err.retryAfterMs !== undefined) return err.retryAfterMs <= r.retry_after_cap_ms ? err.retryAfterMs : null
  const ceiling = Math.min(r.backoff_max_ms, r.backoff_base_ms * 2 ** (n - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/**
 * Walks the ordered targets: retries a target while its failure is retryable and attempts remain,
 * then falls back to the next. Every attempt is written to the call record. `run` must throw
 * GatewayError (or ClientCancelledError) on failure and only return once it is safe to commit
 * (nothing has gone to the client before that).
 */
export async function withAttempts<T>(
  call: Call,
  targets: readonly Target[],
  opts: AttemptOptions,
  run: (target: Target) => Promise<T>,
): Promise<{ target: Target; value: T }> {
  const random = opts.random ?? Math.random
  let last: GatewayError | undefined
  let limited: GatewayError | undefined
  let skipped = 0
  for (const target of targets) {
    for (let n = 1; n <= opts.resilience.max_attempts; n++) {
      if (call.signal.aborted) throw abortError(call.signal)
      // asked before every attempt: a breaker that opened on the previous failure stops the retries
      if (opts.health && !opts.health.allow(target)) {
        if (n === 1) skipped++
        break
      }
      const check = opts.gate?.(target)
      const refused = check ? await check : null
      if (refused) {
        limited = refused
        break
      }
      const started = opts.clock.mono()
      try {
        const value = await run(target)
        const latency = opts.clock.mono() - started
        note(call, { provider: target.provider, model: target.model, status: 200, latency_ms: Math.round(latency), error: null })
        opts.health?.success(target, latency)
        return { target, value }
      } catch (err) {
        const latency = Math.round(opts.clock.mono() - started)
        if (err instanceof ClientCancelledError) {
          note(call, { provider: target.provider, model: target.model, status: null, latency_ms: latency, error: 'client_cancelled' })
          opts.health?.abandon?.(target)
          throw err
        }
        const gwErr = err instanceof GatewayError ? err : new GatewayError('upstream_error', undefined, { cause: err, fallback: true })
        note(call, { provider: target.provider, model: target.model, status: gwErr.upstreamStatus ?? null, latency_ms: latency, error: `${gwErr.code}: ${gwErr.message}`.slice(0, 300) })
        opts.health?.failure(target, gwErr)
        last = gwErr
        if (!gwErr.retryable || n === opts.resilience.max_attempts) break
        const wait = backoffMs(n, gwErr, opts.resilience, random)
        if (wait === null) break // the upstream asked for longer than we wait: try the next target
        try {
          await sleep(wait, undefined, { signal: call.signal.asAbortSignal() })
        } catch {
          throw abortError(call.signal)
        }
      }
    }
    if (last && !last.fallback) throw last
  }
  if (last) throw last
  if (limited) throw limited
  throw new GatewayError('upstream_unavailable', skipped > 0 ? 'Every target for this model is failing (circuit open); try again shortly.' : undefined)
}

/** Every attempt goes on the audit record, and the running count on the response (errors included). */
function note(call: Call, attempt: AttemptRecord): void {
  call.record.attempts.push(attempt)
  call.responseHeaders['x-switchyard-attempts'] = String(call.record.attempts.length)
}
