import type { ResilienceConfig, Timeouts } from '../config/schema.js'
import type { ResolvedTimeouts } from '../providers/shared/transport.js'
import type { Target } from '../providers/types.js'

/** Defaults suited to LLM calls: a non-streamed answer may take minutes before its first byte. */
const defaultTimeouts: ResolvedTimeouts = { connect_ms: 10_000, first_byte_ms: 120_000, idle_ms: 60_000, total_ms: 600_000 }

/** Gateway defaults, then the provider's, then the logical model's: the most specific wins. */
export function resolveTimeouts(resilience: ResilienceConfig, target: Target, model: Timeouts | undefined): ResolvedTimeouts {
  return { ...defaultTimeouts, ...strip(resilience.timeouts), ...strip(target.config.timeouts), ...strip(model) }
}

function strip(t: Timeouts | undefined): Partial<ResolvedTimeouts> {
  if (!t) return {}
  const out: Partial<ResolvedTimeouts> = {}
  for (const [k, v] of Object.entries(t)) if (v !== undefined) out[k as keyof ResolvedTimeouts] = v
  return out
}
