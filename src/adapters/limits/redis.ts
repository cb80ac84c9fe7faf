import type { Redis } from 'ioredis'
import type { AdmitResult, DenyReason, LimitPlan, LimitStore, WindowState } from '../../ports/limit-store.js'
import { admitLua } from './admit-lua.js'

interface Pending {
  windowMs: number
  tokens: Map<string, number>
  usd: Map<string, { usd: number; expireAtMs: number }>
}

type AdmitCommand = (numKeys: number, ...args: Array<string | number>) => Promise<Array<number | string>>
type LimiterRedis = Redis & { switchyardLimitAdmit: AdmitCommand }
type Reply = Array<number | string>

const reasons: Record<number, DenyReason> = { 1: 'requests', 2: 'tokens', 3: 'budget' }

/**
 * Counters in Redis, shared by every replica. `admit` is one EVALSHA. `charge` does no I/O: actual
 * usage waits in this process and rides along with the next admit of the same team, or is written
 * by a background flush (one pipeline for all teams) after `flushMs` when no such admit comes.
 */
export class RedisLimitStore implements LimitStore {
  private readonly redis: LimiterRedis
  private readonly pending = new Map<string, Pending>()
  private readonly timer: NodeJS.Timeout

  constructor(redis: Redis, private readonly opts: { prefix: string; flushMs: number }) {
    if (typeof (redis as unknown as Partial<LimiterRedis>).switchyardLimitAdmit !== 'function') redis.defineCommand('switchyardLimitAdmit', { lua: admitLua })
    this.redis = redis as unknown as LimiterRedis
    this.timer = setInterval(() => void this.flush(), opts.flushMs)
    this.timer.unref()
  }

  async admit(plan: LimitPlan): Promise<AdmitResult> {
    const pending = this.take(plan.tag)
    const p = this.opts.prefix
    const keys = [...plan.windows.map((w) => p + w.key), ...plan.budgets.map((b) => p + b.key)]
    const args: Array<string | number> = []
    for (const w of plan.windows) args.push(w.rpm ?? -1, w.tpm ?? -1)
    for (const b of plan.budgets) args.push(b.limitUsd)
    const [pt, pu] = this.pendingArgs(pending, keys, args)
    let reply: Reply
    try {
      reply = await this.redis.switchyardLimitAdmit(keys.length, ...keys, plan.windows.length, plan.budgets.length, pt, pu, plan.windowMs, Math.max(0, Math.round(plan.estimateTokens)), ...args)
    } catch (err) {
      if (pending) this.restore(plan.tag, pending)
      throw err
    }
    return parse(plan, reply)
  }

  charge(plan: LimitPlan, tokens: number, usd: number): void {
    const n = Math.round(tokens)
    if (n <= 0 && !(usd > 0)) return
    let pending = this.pending.get(plan.tag)
    if (!pending) {
      pending = { windowMs: plan.windowMs, tokens: new Map(), usd: new Map() }
      this.pending.set(plan.tag, pending)
    }
    if (n > 0) for (const w of plan.windows) pending.tokens.set(w.key, (pending.tokens.get(w.key) ?? 0) + n)
    if (usd > 0) {
      for (const b of plan.budgets) {
        const cur = pending.usd.get(b.key)
        pending.usd.set(b.key, { usd: (cur?.usd ?? 0) + usd, expireAtMs: b.resetAtMs + 3_600_000 })
      }
    }
  }

  /** Writes every charge still held here: one pipeline, one script call per team. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return
    const taken = [...this.pending.entries()]
    this.pending.clear()
    const pipeline = this.redis.pipeline() as unknown as { switchyardLimitAdmit: (...a: Array<string | number>) => void; exec(): Promise<Array<[Error | null, unknown]> | null> }
    for (const [, pending] of taken) {
      const keys: string[] = []
      const args: Array<string | number> = []
      const [pt, pu] = this.pendingArgs(pending, keys, args)
      pipeline.switchyardLimitAdmit(keys.length, ...keys, 0, 0, pt, pu, pending.windowMs, 0, ...args)
    }
    let results: Array<[Error | null, unknown]> | null = null
    try {
      results = await pipeline.exec()
    } catch {
      // handled below: everything is kept for the next try
    }
    taken.forEach(([tag, pending], i) => {
      if (!results || results[i]?.[0]) this.restore(tag, pending)
    })
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG'
    } catch {
      return false
    }
  }

  /** Stops the flush timer and writes what is held. The connection belongs to the caller. */
  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }

  private take(tag: string): Pending | undefined {
    const p = this.pending.get(tag)
    if (p) this.pending.delete(tag)
    return p
  }

  /** Appends a team's held charges to keys and args; returns how many token and USD charges. */
  private pendingArgs(pending: Pending | undefined, keys: string[], args: Array<string | number>): [number, number] {
    if (!pending) return [0, 0]
    for (const [key, n] of pending.tokens) {
      keys.push(this.opts.prefix + key)
      args.push(n)
    }
    for (const [key, c] of pending.usd) {
      keys.push(this.opts.prefix + key)
      args.push(c.usd.toFixed(12), c.expireAtMs)
    }
    return [pending.tokens.size, pending.usd.size]
  }

  /** Puts charges back after a failed write: spend is real and must be counted once Redis is back. */
  private restore(tag: string, p: Pending): void {
    const windowPlan = { tag, windowMs: p.windowMs } as LimitPlan
    for (const [key, n] of p.tokens) this.charge({ ...windowPlan, windows: [{ key, rpm: null, tpm: null }], budgets: [] }, n, 0)
    for (const [key, c] of p.usd) this.charge({ ...windowPlan, windows: [], budgets: [{ key, limitUsd: 0, resetAtMs: c.expireAtMs - 3_600_000 }] }, 0, c.usd)
  }
}

function parse(plan: LimitPlan, reply: Reply): AdmitResult {
  const allowed = Number(reply[0]) === 1
  const windows: WindowState[] = plan.windows.map((_, i) => ({ requests: Number(reply[3 + 3 * i]), tokens: Number(reply[4 + 3 * i]), resetMs: Number(reply[5 + 3 * i]) }))
  const base = 3 + 3 * plan.windows.length
  const spentUsd = plan.budgets.map((_, i) => Number(reply[base + i]))
  const result: AdmitResult = { allowed, windows, spentUsd }
  const reason = reasons[Number(reply[1])]
  if (!allowed && reason) result.denied = { reason, index: Number(reply[2]) - 1 }
  return result
}
