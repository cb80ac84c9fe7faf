import { finishCall } from '../call/failure.js'
import { logCall } from '../observability/call-log.js'
import { closeCallSpan } from '../observability/call-span.js'
import { withActiveSpan } from '../observability/tracer.js'
import type { CallState } from './call-state.js'
import type { GatewayDeps } from './deps.js'

/** Closes a proxied call once: audit and metrics (inside its span), the call log line, then the span. */
export function closeCall(deps: GatewayDeps, call: CallState, status: number): void {
  if (!withActiveSpan(call.span, () => finishCall(deps, call.record, call.startMono, status))) return
  logCall(deps.logger, call.record)
  closeCallSpan(call.span, call.record, (p) => deps.runtime.current.config.gateway.providers[p]?.type)
}
