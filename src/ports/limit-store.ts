/**
 * Counters behind rate limits and budgets, shared by every replica. One `admit` is one round trip:
 * every check and increment for a request happens together, atomically.
 */

/** A per-minute window for one scope (a team or a key): requests and tokens counted together. */
export interface WindowCheck {
  /** Store key of the window, hash-tagged by team. */
  key: string
  /** Requests allowed per window; null = no request limit. */
  rpm: number | null
  /** Tokens allowed per window; null = no token limit. */
  tpm: number | null
}

/** One USD budget for one scope and one calendar period (UTC). */
export interface BudgetCheck {
  key: string
  limitUsd: number
  /** Epoch ms when the period ends (the counter can expire after it). */
  resetAtMs: number
}

export interface LimitPlan {
  /** Hash tag shared by every key of the plan (Redis Cluster slot). */
  tag: string
  nowMs: number
  windowMs: number
  /** Tokens the request is expected to use (the prompt estimate), checked against tpm. */
  estimateTokens: number
  windows: WindowCheck[]
  budgets: BudgetCheck[]
}

export type DenyReason = 'requests' | 'tokens' | 'budget'

export interface WindowState {
  /** Requests counted in the window, this one included when admitted. */
  requests: number
  tokens: number
  /** Milliseconds until the window resets. */
  resetMs: number
}

export interface AdmitResult {
  allowed: boolean
  /** Why it was refused, and which check (index into windows or budgets) refused it. */
  denied?: { reason: DenyReason; index: number }
  /** Same order as plan.windows. */
  windows: WindowState[]
  /** USD spent in each budget's period, same order as plan.budgets. */
  spentUsd: number[]
}

export interface LimitStore {
  /** Checks every window and budget; when all pass, counts the request in each window. */
  admit(plan: LimitPlan): Promise<AdmitResult>
  /**
   * Adds actual tokens (to each window) and USD (to each budget) after the call. Never throws; may be
   * applied lazily, but before the next `admit` of the same plan tag on this replica.
   */
  charge(plan: LimitPlan, tokens: number, usd: number): void
  /** Whether the store answers (readiness). */
  ping(): Promise<boolean>
  close(): Promise<void>
}
