import type { PricingTable } from '../config/schema.js'
import type { Target } from '../providers/types.js'
import type { ResolvedRoute } from './catalog.js'
import { targetKey, type LatencyReader } from './latency.js'

/** What the strategies may consult. All optional: without them a strategy degrades to config order. */
interface SelectContext {
  pricing?: PricingTable | undefined
  latency?: LatencyReader | undefined
  /** Uniform in [0, 1); injected so weighted selection is testable. */
  random?: (() => number) | undefined
}

/** Weighted random order without replacement: the first pick follows the weights, so do the fallbacks. */
function weightedOrder(route: ResolvedRoute, random: () => number): Target[] {
  const pool = route.targets.map((t, i) => ({ t, w: route.weights?.[i] ?? 1 }))
  const out: Target[] = []
  while (pool.length > 0) {
    let total = 0
    for (const x of pool) total += x.w
    let r = random() * total
    let pick = pool.length - 1
    for (let i = 0; i < pool.length; i++) {
      r -= pool[i]!.w
      if (r < 0) {
        pick = i
        break
      }
    }
    out.push(pool[pick]!.t)
    pool.splice(pick, 1)
  }
  return out
}

/** Stable sort by a score; undefined scores go last in config order. */
function sortBy(targets: readonly Target[], score: (t: Target) => number | undefined): Target[] {
  return targets
    .map((t, i) => ({ t, i, s: score(t) }))
    .sort((a, b) => {
      if (a.s === undefined || b.s === undefined) return a.s === undefined ? (b.s === undefined ? a.i - b.i : 1) : -1
      return a.s - b.s || a.i - b.i
    })
    .map((x) => x.t)
}

/** Price of a million input plus a million output tokens: a simple, request-independent cost rank. */
function blendedPrice(pricing: PricingTable | undefined, t: Target): number | undefined {
  const p = pricing?.[targetKey(t)]
  return p === undefined ? undefined : p.input + p.output
}

/**
 * Orders a route's targets for one request; retries and fallbacks walk the result, and the targets of
 * the model's `fallbacks` (other logical models) follow its own. fallback: config order. weighted: random by weight (default 1). least-latency: lowest moving
 * average first, unmeasured targets before measured ones (so each gets tried). cheapest: lowest
 * input+output price first, unpriced targets last.
 */
export function orderTargets(route: ResolvedRoute, ctx: SelectContext = {}): Target[] {
  const own = orderOwn(route, ctx)
  if (!route.fallbacks || route.fallbacks.length === 0) return own
  // then each fallback model's targets, in its own order, skipping targets already listed
  const out = [...own]
  for (const f of route.fallbacks) for (const t of orderTargets(f, ctx)) if (!out.some((x) => x.provider === t.provider && x.model === t.model)) out.push(t)
  return out
}

function orderOwn(route: ResolvedRoute, ctx: SelectContext): Target[] {
  if (route.targets.length <= 1) return route.targets
  switch (route.strategy) {
    case 'weighted':
      return weightedOrder(route, ctx.random ?? Math.random)
    case 'least-latency': {
      const latency = ctx.latency
      if (!latency) return route.targets
      return sortBy(route.targets, (t) => latency.average(t) ?? -1)
    }
    case 'cheapest':
      return sortBy(route.targets, (t) => blendedPrice(ctx.pricing, t))
    default:
      return route.targets
  }
}
