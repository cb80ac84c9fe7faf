import { GatewayError } from '../errors/gateway-error.js'
import type { Metrics } from '../observability/metrics.js'
import type { AdmitResult, LimitStore } from '../ports/limit-store.js'
import type { Call } from '../call/call.js'
import type { Clock } from '../call/clock.js'
import type { Admission, LimitStage } from '../stages/types.js'
import type { NormalizedUsage } from '../usage/cost.js'
import { rateLimitHeaders } from './headers.js'
import { buildPlan, type PlanDraft } from './plan.js'

interface LimitSettings {
  windowMs: number
  onStoreError: 'open' | 'closed'
}

/**
 * Rate limits (rpm, tpm) and USD budgets per team and per key, enforced through a LimitStore shared
 * by the fleet: one store call before the upstream call, and a charge of actual usage after it.
 */
export class LimitsStage implements LimitStage {
  private readonly plans = new WeakMap<Call, PlanDraft>()
  private lastWarnAt = -Infinity

  constructor(
    private readonly store: LimitStore,
    private readonly deps: { metrics: Metrics; clock: Clock; settings: () => LimitSettings; backend: string },
  ) {
    deps.metrics.limitsEnforced.set(1)
  }

  async admit(call: Call, estimate: { promptTokens: number }): Promise<Admission> {
    const settings = this.deps.settings()
    const draft = buildPlan(call.who, this.deps.clock.now(), estimate.promptTokens, settings.windowMs)
    if (!draft) return {}
    const team = call.who.teamId
    let res: AdmitResult
    try {
      res = await this.store.admit(draft.plan)
    } catch (err) {
      return this.storeFailed(call, settings, err)
    }
    this.deps.metrics.limitsEnforced.set(1)
    this.plans.set(call, draft)
    Object.assign(call.responseHeaders, rateLimitHeaders(draft, res))

    let pct: number | undefined
    draft.budgetMeta.forEach((m, i) => {
      const limit = draft.plan.budgets[i]!.limitUsd
      const used = limit > 0 ? res.spentUsd[i]! / limit : 1
      if (m.scope === 'team') this.deps.metrics.budgetUsedRatio.set({ team, period: m.period }, used)
      pct = Math.max(pct ?? 0, used * 100)
    })

    if (!res.allowed && res.denied) {
      // switchyard_limited_requests_total counts it from the audit outcome (rate_limited, over_budget)
      this.plans.delete(call)
      throw this.refusal(call, draft, res)
    }
    return pct === undefined ? {} : { budgetUsedPct: pct }
  }

  async settle(call: Call, usage: NormalizedUsage | null, costUsd: number | null): Promise<void> {
    const draft = this.plans.get(call)
    if (!draft) return
    this.plans.delete(call)
    try {
      // without reported usage, the estimate is the best count there is
      const tokens = usage ? usage.prompt + usage.completion : draft.plan.estimateTokens
      this.store.charge(draft.plan, tokens, costUsd ?? 0)
    } catch (err) {
      call.log.warn({ err }, 'limit charge failed')
    }
  }

  private refusal(call: Call, draft: PlanDraft, res: AdmitResult): GatewayError {
    const d = res.denied!
    const who = (scope: 'team' | 'key') => (scope === 'team' ? `team "${call.who.teamId}"` : `key "${call.who.keyName ?? call.who.keyId}"`)
    if (d.reason === 'budget') {
      const b = draft.plan.budgets[d.index]!
      const m = draft.budgetMeta[d.index]!
      const waitS = Math.max(1, Math.ceil((b.resetAtMs - draft.plan.nowMs) / 1000))
      const msg = `The ${m.period === 'day' ? 'daily' : 'monthly'} budget of ${who(m.scope)} is used up: spent ${res.spentUsd[d.index]!.toFixed(4)} of ${b.limitUsd} USD. It resets at ${new Date(b.resetAtMs).toISOString()}.`
      return new GatewayError('insufficient_quota', msg, { headers: { 'retry-after': String(waitS) } })
    }
    const w = draft.plan.windows[d.index]!
    const s = res.windows[d.index]!
    const waitS = Math.max(1, Math.ceil(s.resetMs / 1000))
    const msg =
      d.reason === 'requests'
        ? `Rate limit reached for ${who(draft.windowScopes[d.index]!)} on requests per minute: limit ${w.rpm}, used ${s.requests}. Try again in ${waitS}s.`
        : `Rate limit reached for ${who(draft.windowScopes[d.index]!)} on tokens per minute: limit ${w.tpm}, used ${s.tokens}, requested about ${draft.plan.estimateTokens}. Try again in ${waitS}s.`
    return new GatewayError('rate_limit_exceeded', msg, { headers: { 'retry-after': String(waitS) } })
  }

  /** Store unreachable: let the call through (default) or refuse it with 503 (on_store_error: closed). */
  private storeFailed(call: Call, settings: LimitSettings, err: unknown): Admission {
    const m = this.deps.metrics
    if (this.deps.backend === 'redis') m.storageErrors.inc({ backend: 'redis' })
    m.limitsEnforced.set(0)
    const now = this.deps.clock.mono()
    if (now - this.lastWarnAt > 10_000) {
      this.lastWarnAt = now
      call.log.warn({ err: (err as Error)?.message, onStoreError: settings.onStoreError }, 'limit store unreachable: rate limits and budgets are not enforced')
    }
    if (settings.onStoreError === 'closed') {
      throw new GatewayError('storage_unavailable', 'Rate limits and budgets cannot be checked right now; the request was not sent.', { headers: { 'retry-after': '1' } })
    }
    return {}
  }
}
