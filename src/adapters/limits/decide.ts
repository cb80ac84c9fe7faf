import type { AdmitResult, LimitPlan, WindowState } from '../../ports/limit-store.js'

/**
 * The admission rule, for the in-process store (the Redis Lua script implements the same rule):
 * budgets first (a spent budget stays spent), then each window's requests, then its tokens.
 * A budget is exhausted once the spend reaches its limit; a window refuses when this request would
 * pass rpm, or when the tokens already used plus the estimate would pass tpm.
 */
export function decide(plan: LimitPlan, windows: WindowState[], spentUsd: number[]): AdmitResult {
  const result: AdmitResult = { allowed: true, windows, spentUsd }
  for (let i = 0; i < plan.budgets.length; i++) {
    if ((spentUsd[i] ?? 0) >= plan.budgets[i]!.limitUsd) return { ...result, allowed: false, denied: { reason: 'budget', index: i } }
  }
  for (let i = 0; i < plan.windows.length; i++) {
    const w = plan.windows[i]!
    const s = windows[i]!
    if (w.rpm !== null && s.requests + 1 > w.rpm) return { ...result, allowed: false, denied: { reason: 'requests', index: i } }
    if (w.tpm !== null && s.tokens + plan.estimateTokens > w.tpm) return { ...result, allowed: false, denied: { reason: 'tokens', index: i } }
  }
  return result
}
