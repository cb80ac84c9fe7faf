import type { ResilienceConfig } from '../config/schema.js'
import type { GatewayError } from '../errors/gateway-error.js'
import type { Target } from '../providers/types.js'
import type { TargetHealth } from '../stages/attempts.js'
import type { Clock } from '../call/clock.js'
import { countsAgainstTarget } from './failure-kind.js'

/** Numeric values follow severity, so `> 0` means "not fully healthy" in alerts. */
export const breakerStates = { closed: 0, half_open: 1, open: 2 } as const
type BreakerState = keyof typeof breakerStates

export interface BreakerTransition {
  provider: string
  model: string
  from: BreakerState
  to: BreakerState
}

/** What GET /admin/targets shows per target. */
interface TargetStatus {
  provider: string
  model: string
  state: BreakerState
  /** Failures in a row that count against the target (reset by a success). */
  consecutive_failures: number
  successes: number
  failures: number
  /** Moving average (EWMA) of successful attempt latency: time to answer, or to the first output of a stream. */
  latency_ms: number | null
  last_error: { message: string; at: string } | null
  opened_at: string | null
  /** When an open breaker lets its next probe through. */
  retry_at: string | null
}

interface Entry {
  provider: string
  model: string
  state: BreakerState
  consecutive: number
  successes: number
  failures: number
  latency: number | null
  lastError: { message: string; at: number } | null
  openedMono: number
  openedWall: number | null
  probing: boolean
}

interface CircuitBreakerOptions {
  clock: Clock
  /** Read on every decision, so a config reload applies at once. */
  settings: () => ResilienceConfig['breaker']
  onTransition?: (t: BreakerTransition) => void
  /** Weight of the newest sample in the latency average. */
  latencyAlpha?: number
}

/**
 * One breaker per target (provider + upstream model). Closed: everything passes; after
 * `failures` counted failures in a row it opens. Open: the target is skipped until `cooldown_ms`
 * has passed, then exactly one request is let through as a probe (half-open). The probe's success
 * closes the breaker; its failure opens it again for another cooldown.
 */
export class CircuitBreakers implements TargetHealth {
  private readonly entries = new Map<string, Entry>()
  private readonly alpha: number

  constructor(private readonly opts: CircuitBreakerOptions) {
    this.alpha = opts.latencyAlpha ?? 0.2
  }

  allow(target: Target): boolean {
    const e = this.entry(target)
    if (e.state === 'closed') return true
    if (e.state === 'open') {
      if (this.opts.clock.mono() - e.openedMono < this.opts.settings().cooldown_ms) return false
      this.move(e, 'half_open')
    }
    if (e.probing) return false
    e.probing = true
    return true
  }

  success(target: Target, latencyMs: number): void {
    const e = this.entry(target)
    e.successes++
    e.consecutive = 0
    e.latency = e.latency === null ? latencyMs : e.latency + this.alpha * (latencyMs - e.latency)
    e.probing = false
    if (e.state !== 'closed') this.move(e, 'closed')
  }

  failure(target: Target, err: GatewayError): void {
    const e = this.entry(target)
    if (!countsAgainstTarget(err)) {
      // the target answered, the request was at fault (or the gateway cut it): no verdict
      e.probing = false
      return
    }
    e.failures++
    e.consecutive++
    e.lastError = { message: err.message.slice(0, 300), at: this.opts.clock.now() }
    e.probing = false
    if (e.state === 'half_open' || (e.state === 'closed' && e.consecutive >= this.opts.settings().failures)) this.open(e)
  }

  abandon(target: Target): void {
    this.entry(target).probing = false
  }

  /** Moving latency of a target, for least-latency routing (null before its first success). */
  latencyMs(target: Target): number | null {
    return this.entries.get(key(target))?.latency ?? null
  }

  state(target: Target): BreakerState {
    return this.entries.get(key(target))?.state ?? 'closed'
  }

  /** Status of the given targets (configured ones), plus any other target seen since start. */
  status(targets: Iterable<{ provider: string; model: string }>): TargetStatus[] {
    const seen = new Set<string>()
    const out: TargetStatus[] = []
    const cooldown = this.opts.settings().cooldown_ms
    const push = (provider: string, model: string) => {
      const k = `${provider}/${model}`
      if (seen.has(k)) return
      seen.add(k)
      const e = this.entries.get(k)
      const openedWall = e?.openedWall ?? null
      out.push({
        provider,
        model,
        state: e?.state ?? 'closed',
        consecutive_failures: e?.consecutive ?? 0,
        successes: e?.successes ?? 0,
        failures: e?.failures ?? 0,
        latency_ms: e?.latency === null || e === undefined ? null : Math.round(e.latency),
        last_error: e?.lastError ? { message: e.lastError.message, at: new Date(e.lastError.at).toISOString() } : null,
        opened_at: e && e.state !== 'closed' && openedWall !== null ? new Date(openedWall).toISOString() : null,
        retry_at: e?.state === 'open' && openedWall !== null ? new Date(openedWall + cooldown).toISOString() : null,
      })
    }
    for (const t of targets) push(t.provider, t.model)
    for (const e of this.entries.values()) push(e.provider, e.model)
    return out
  }

  private open(e: Entry): void {
    e.openedMono = this.opts.clock.mono()
    e.openedWall = this.opts.clock.now()
    this.move(e, 'open')
  }

  private move(e: Entry, to: BreakerState): void {
    const from = e.state
    if (from === to) return
    e.state = to
    this.opts.onTransition?.({ provider: e.provider, model: e.model, from, to })
  }

  private entry(target: Target): Entry {
    const k = key(target)
    let e = this.entries.get(k)
    if (!e) {
      e = { provider: target.provider, model: target.model, state: 'closed', consecutive: 0, successes: 0, failures: 0, latency: null, lastError: null, openedMono: 0, openedWall: null, probing: false }
      this.entries.set(k, e)
    }
    return e
  }
}

const key = (t: { provider: string; model: string }): string => `${t.provider}/${t.model}`
