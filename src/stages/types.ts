import type { ChatRequest } from '../ingress/openai-chat/schema.js'
import type { CallContext } from '../call/log.js'
import type { NormalizedUsage } from '../usage/cost.js'

/**
 * Optional stages of the chat pipeline, each owned by one feature and wired in app.ts.
 * The pipeline order is fixed: auth -> context.prepare -> limits.admit -> policy -> route ->
 * attempts -> response -> limits.settle, context.remember -> audit and metrics.
 */
export interface ContextStage {
  /** Team prompt and defaults, session history: applied before policy sees the request. */
  prepare(ctx: CallContext, req: ChatRequest): Promise<ChatRequest>
  /** After a successful call: store the turn for continued sessions. */
  remember(ctx: CallContext, req: ChatRequest, reply: { content: string }): Promise<void>
}

export interface Admission {
  /** Highest share (0-100) of any budget used, for policy conditions. */
  budgetUsedPct?: number
}

export interface LimitStage {
  /** Before the upstream call. Throws rate_limit_exceeded or insufficient_quota; may add ctx.responseHeaders. */
  admit(ctx: CallContext, estimate: { promptTokens: number }): Promise<Admission>
  /** After the call: charge actual tokens and cost. Must not throw. */
  settle(ctx: CallContext, usage: NormalizedUsage | null, costUsd: number | null): Promise<void>
}
