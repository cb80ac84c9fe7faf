import type { Metrics } from '../observability/metrics.js'
import type { LimitStore } from '../ports/limit-store.js'

/** /readyz entry: whether limits are enforced. Fail open keeps the gateway ready but degraded; fail closed makes it unready. */
export function limitsReadiness(store: LimitStore, kind: string, metrics: Metrics, onStoreError: () => 'open' | 'closed') {
  return {
    name: 'limits',
    async check(): Promise<{ ok: boolean; degraded?: boolean; detail?: string }> {
      if (await store.ping()) {
        metrics.limitsEnforced.set(1)
        return { ok: true, detail: `enforced (${kind})` }
      }
      metrics.limitsEnforced.set(0)
      return onStoreError() === 'open'
        ? { ok: true, degraded: true, detail: `limit store (${kind}) unreachable: rate limits and budgets are NOT enforced (on_store_error: open)` }
        : { ok: false, detail: `limit store (${kind}) unreachable: proxied calls are refused with 503 (on_store_error: closed)` }
    },
  }
}
