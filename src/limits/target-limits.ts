import type { Clock } from '../call/clock.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { LimitPlan, LimitStore } from '../ports/limit-store.js'
import type { Target } from '../providers/types.js'
import { formatReset } from './headers.js'

/** The plan of one target's window: its own hash tag, so it never shares a slot with a team's keys. */
function targetPlan(target: Target, nowMs: number, windowMs: number, estimateTokens: number): LimitPlan {
  const id = encodeURIComponent(`${target.provider}/${target.model}`)
  return { tag: `{target:${id}}`, nowMs, windowMs, estimateTokens, windows: [{ key: `{target:${id}}:w`, rpm: target.limits?.rpm ?? null, tpm: target.limits?.tpm ?? null }], budgets: [] }
}

/**
 * Per-target rate limits (`targets[].rpm` / `tpm`), counted fleet-wide in the limit store like team
 * and key limits. Before each attempt on a limited target the window is checked and the request
 * counted; a target over its limit is skipped (the call moves on to the next target, as for an open
 * breaker); the tokens actually used are charged when the call settles.
 */
export class TargetLimits {
  constructor(
    private readonly store: LimitStore,
    private readonly deps: { clock: Clock; windowMs: () => number; onStoreError?: (err: unknown) => void },
  ) {}

  /** Null when the target may take the attempt; the refusal (429, retry-after) when it is over its limit. Not a promise when the target has no limits. */
  admit(target: Target, estimateTokens: number): Promise<GatewayError | null> | null {
    return target.limits ? this.check(target, estimateTokens) : null
  }

  private async check(target: Target, estimateTokens: number): Promise<GatewayError | null> {
    const plan = targetPlan(target, this.deps.clock.now(), this.deps.windowMs(), estimateTokens)
    try {
      const res = await this.store.admit(plan)
      if (res.allowed) return null
      const w = res.windows[0]!
      const what = res.denied?.reason === 'tokens' ? `tokens per minute (limit ${plan.windows[0]!.tpm})` : `requests per minute (limit ${plan.windows[0]!.rpm})`
      return new GatewayError('rate_limit_exceeded', `Target ${target.provider}/${target.model} is at its ${what}; it resets in ${formatReset(w.resetMs)}.`, {
        fallback: true,
        retryAfterMs: w.resetMs,
        headers: { 'retry-after': String(Math.max(1, Math.ceil(w.resetMs / 1000))) },
      })
    } catch (err) {
      // a store that does not answer never fails a call: the target is tried
      this.deps.onStoreError?.(err)
      return null
    }
  }

  /** The check for one call's attempts (its prompt estimate counts against the targets' tpm). */
  gate(estimateTokens: number): (target: Target) => Promise<GatewayError | null> | null {
    return (target) => this.admit(target, estimateTokens)
  }

  /** The tokens a served call used, on its target's window. */
  charge(target: Target, tokens: number): void {
    if (!target.limits?.tpm || tokens <= 0) return
    this.store.charge(targetPlan(target, this.deps.clock.now(), this.deps.windowMs(), 0), tokens, 0)
  }
}
