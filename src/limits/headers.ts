import type { AdmitResult } from '../ports/limit-store.js'
import type { PlanDraft } from './plan.js'

/** OpenAI's reset format: `20ms`, `1s`, `6m0s`, `1m30.5s`. */
export function formatReset(ms: number): string {
  const v = Math.max(0, Math.ceil(ms))
  if (v < 1000) return `${v}ms`
  const minutes = Math.floor(v / 60_000)
  const seconds = Math.round((v % 60_000) / 10) / 100
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`
}

/**
 * Which window the headers describe: the one that refused the request, else the one with the least
 * left (team or key, whichever is tighter).
 */
function tightest(draft: PlanDraft, res: AdmitResult, field: 'rpm' | 'tpm', deniedIndex: number | undefined): number {
  if (deniedIndex !== undefined) return deniedIndex
  let best = -1
  let left = Infinity
  draft.plan.windows.forEach((w, i) => {
    const limit = w[field]
    if (limit === null) return
    const used = field === 'rpm' ? res.windows[i]!.requests : res.windows[i]!.tokens
    if (limit - used < left) {
      left = limit - used
      best = i
    }
  })
  return best
}

/** x-ratelimit-{limit,remaining,reset}-requests and -tokens, for the windows that have such a limit. */
export function rateLimitHeaders(draft: PlanDraft, res: AdmitResult): Record<string, string> {
  const h: Record<string, string> = {}
  const denied = res.denied
  const ri = tightest(draft, res, 'rpm', denied?.reason === 'requests' ? denied.index : undefined)
  if (ri >= 0) {
    const rpm = draft.plan.windows[ri]!.rpm!
    const s = res.windows[ri]!
    h['x-ratelimit-limit-requests'] = String(rpm)
    h['x-ratelimit-remaining-requests'] = String(Math.max(0, rpm - s.requests))
    h['x-ratelimit-reset-requests'] = formatReset(s.resetMs)
  }
  const ti = tightest(draft, res, 'tpm', denied?.reason === 'tokens' ? denied.index : undefined)
  if (ti >= 0) {
    const tpm = draft.plan.windows[ti]!.tpm!
    const s = res.windows[ti]!
    h['x-ratelimit-limit-tokens'] = String(tpm)
    h['x-ratelimit-remaining-tokens'] = String(Math.max(0, tpm - s.tokens))
    h['x-ratelimit-reset-tokens'] = formatReset(s.resetMs)
  }
  return h
}
