import type { Target } from '../../providers/types.js'
import type { ResolvedRoute } from './catalog.js'

/**
 * Orders a route's targets for one request; retries and fallbacks walk the result.
 * (Strategy-specific ordering lands with the policy engine; until then, config order.)
 */
export function orderTargets(route: ResolvedRoute): Target[] {
  return route.targets
}
