import type { BudgetCheck, LimitPlan, WindowCheck } from '../ports/limit-store.js'
import type { Principal } from '../identity/principal.js'

type Scope = 'team' | 'key'
type Period = 'day' | 'month'

/** A plan for the store plus what each of its checks stands for (for headers, messages and metrics). */
export interface PlanDraft {
  plan: LimitPlan
  windowScopes: Scope[]
  budgetMeta: Array<{ scope: Scope; period: Period }>
}

const pad = (n: number) => String(n).padStart(2, '0')

/** Calendar periods in UTC: the key suffix of the period holding `nowMs`, and when it ends. */
function periodOf(period: Period, nowMs: number): { id: string; resetAtMs: number } {
  const d = new Date(nowMs)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  if (period === 'day') return { id: `d:${y}${pad(m + 1)}${pad(d.getUTCDate())}`, resetAtMs: Date.UTC(y, m, d.getUTCDate() + 1) }
  return { id: `m:${y}${pad(m + 1)}`, resetAtMs: Date.UTC(y, m + 1, 1) }
}

/** `{team}`: every key of a request shares the team's hash tag, so one Lua script may touch them all on Redis Cluster. */
const teamTag = (teamId: string): string => `{${encodeURIComponent(teamId)}}`

/**
 * The checks that apply to a caller: a request/token window and USD budgets for its team and for
 * its key. Null when nothing is limited (no store call at all).
 */
export function buildPlan(p: Principal, nowMs: number, estimateTokens: number, windowMs: number): PlanDraft | null {
  const tag = teamTag(p.teamId)
  const windows: WindowCheck[] = []
  const windowScopes: Scope[] = []
  const budgets: BudgetCheck[] = []
  const budgetMeta: PlanDraft['budgetMeta'] = []
  const scopes: Array<{ scope: Scope; id: string; rpm?: number | undefined; tpm?: number | undefined; budget?: { day?: number | undefined; month?: number | undefined } | undefined }> = [
    { scope: 'team', id: 'team', rpm: p.team.rpm, tpm: p.team.tpm, budget: p.team.budget_usd },
  ]
  if (p.keyId !== null) scopes.push({ scope: 'key', id: `key:${encodeURIComponent(p.keyId)}`, rpm: p.keyRpm, tpm: p.keyTpm, budget: p.keyBudgetUsd })
  for (const s of scopes) {
    if (s.rpm !== undefined || s.tpm !== undefined) {
      windows.push({ key: `${tag}:w:${s.id}`, rpm: s.rpm ?? null, tpm: s.tpm ?? null })
      windowScopes.push(s.scope)
    }
    for (const period of ['day', 'month'] as const) {
      const limitUsd = s.budget?.[period]
      if (limitUsd === undefined) continue
      const { id, resetAtMs } = periodOf(period, nowMs)
      budgets.push({ key: `${tag}:usd:${s.id}:${id}`, limitUsd, resetAtMs })
      budgetMeta.push({ scope: s.scope, period })
    }
  }
  if (windows.length === 0 && budgets.length === 0) return null
  return { plan: { tag, nowMs, windowMs, estimateTokens, windows, budgets }, windowScopes, budgetMeta }
}
