import type { Target } from '../providers/types.js'

/** What least-latency ordering reads: a moving average per target, or undefined before any sample. */
export interface LatencyReader {
  average(target: Target): number | undefined
}

export const targetKey = (t: Pick<Target, 'provider' | 'model'>): string => `${t.provider}/${t.model}`

/**
 * Exponentially weighted moving average of successful attempt latency (time to the first answer
 * byte for streams), per `provider/model`, as measured by this process. Fed by the attempt loop.
 */
export class LatencyTracker implements LatencyReader {
  private readonly avg = new Map<string, number>()

  /** `alpha` is the weight of each new sample (0.2: the last ~10 samples dominate). */
  constructor(private readonly alpha = 0.2) {}

  observe(target: Pick<Target, 'provider' | 'model'>, latencyMs: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) return
    const k = targetKey(target)
    const prev = this.avg.get(k)
    this.avg.set(k, prev === undefined ? latencyMs : prev + this.alpha * (latencyMs - prev))
  }

  average(target: Pick<Target, 'provider' | 'model'>): number | undefined {
    return this.avg.get(targetKey(target))
  }

  /** Every measured target, for status pages. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.avg].map(([k, v]) => [k, Math.round(v * 10) / 10]))
  }
}
