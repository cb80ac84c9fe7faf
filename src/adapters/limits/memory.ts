import type { AdmitResult, LimitPlan, LimitStore } from '../../ports/limit-store.js'
import { decide } from './decide.js'

interface Window {
  requests: number
  tokens: number
  expiresAt: number
}

interface Spend {
  usd: number
  expiresAt: number
}

/**
 * Counters in this process: the embedded default when REDIS_URL is unset. Same semantics as the
 * Redis store (windows start at their first use and last windowMs; budgets per calendar period),
 * but only this process sees them.
 */
export class MemoryLimitStore implements LimitStore {
  private readonly windows = new Map<string, Window>()
  private readonly spend = new Map<string, Spend>()
  private lastSweep = 0

  constructor(private readonly now: () => number = Date.now) {}

  async admit(plan: LimitPlan): Promise<AdmitResult> {
    const now = this.now()
    this.sweep(now)
    const windows = plan.windows.map((w) => this.liveWindow(w.key, now))
    const spent = plan.budgets.map((b) => this.liveSpend(b.key, now)?.usd ?? 0)
    const result = decide(
      plan,
      windows.map((w) => ({ requests: w?.requests ?? 0, tokens: w?.tokens ?? 0, resetMs: w ? w.expiresAt - now : plan.windowMs })),
      spent,
    )
    if (result.allowed) {
      plan.windows.forEach((w, i) => {
        const win = windows[i] ?? this.open(w.key, now, plan.windowMs)
        win.requests += 1
        result.windows[i] = { requests: win.requests, tokens: win.tokens, resetMs: win.expiresAt - now }
      })
    }
    return result
  }

  charge(plan: LimitPlan, tokens: number, usd: number): void {
    const now = this.now()
    if (tokens > 0) {
      for (const w of plan.windows) (this.liveWindow(w.key, now) ?? this.open(w.key, now, plan.windowMs)).tokens += tokens
    }
    if (usd > 0) {
      for (const b of plan.budgets) {
        const s = this.liveSpend(b.key, now)
        if (s) s.usd += usd
        else this.spend.set(b.key, { usd, expiresAt: b.resetAtMs })
      }
    }
  }

  async ping(): Promise<boolean> {
    return true
  }

  async close(): Promise<void> {
    this.windows.clear()
    this.spend.clear()
  }

  private open(key: string, now: number, windowMs: number): Window {
    const w = { requests: 0, tokens: 0, expiresAt: now + windowMs }
    this.windows.set(key, w)
    return w
  }

  private liveWindow(key: string, now: number): Window | undefined {
    const w = this.windows.get(key)
    return w && w.expiresAt > now ? w : undefined
  }

  private liveSpend(key: string, now: number): Spend | undefined {
    const s = this.spend.get(key)
    return s && s.expiresAt > now ? s : undefined
  }

  /** Drops expired counters at most once a minute so memory follows the live keys. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return
    this.lastSweep = now
    for (const [k, w] of this.windows) if (w.expiresAt <= now) this.windows.delete(k)
    for (const [k, s] of this.spend) if (s.expiresAt <= now) this.spend.delete(k)
  }
}
