import type { Call } from '../call/call.js'
import type { ChatRequest } from '../call/chat.js'
import type { Target } from '../providers/types.js'
import type { Runtime } from '../runtime/runtime.js'
import { costUsd, type NormalizedUsage } from '../usage/cost.js'
import type { StageDeps } from './types.js'

/** Usage and its cost on the record (null cost: the target has no price). */
export function settleUsage(rt: Runtime, call: Call, target: Target, usage: NormalizedUsage | null): number | null {
  const r = call.record
  if (!usage) return null
  r.promptTokens = usage.prompt
  r.completionTokens = usage.completion
  r.cachedTokens = usage.cached
  r.reasoningTokens = usage.reasoning
  r.costUsd = costUsd(rt.config.pricing, target.provider, target.model, usage)
  return r.costUsd
}

/** The settle stage after the answer: charge limits, budgets and the target's window, store the session turn. Never throws. */
export async function settleStage(deps: StageDeps, call: Call, target: Target, req: ChatRequest | null, usage: NormalizedUsage | null, cost: number | null, content: string | null): Promise<void> {
  try {
    if (usage) deps.targetLimits?.charge(target, usage.prompt + usage.completion)
    await deps.limits?.settle(call, usage, cost)
    if (req && content !== null && deps.context && call.header('x-switchyard-session')) await deps.context.remember(call, req, { content })
  } catch (err) {
    call.log.warn({ err }, 'post-call bookkeeping failed')
  }
}
