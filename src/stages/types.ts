import type { Call } from '../call/call.js'
import type { ChatRequest } from '../call/chat.js'
import type { ChatOutcome } from './run-chat.js'
import type { Clock } from '../call/clock.js'
import type { TransportSet } from '../providers/transport-set.js'
import type { LatencyTracker } from '../routing/latency.js'
import type { RuntimeRef } from '../runtime/runtime.js'
import type { NormalizedUsage } from '../usage/cost.js'
import type { TargetHealth } from './attempts.js'
import type { TargetLimits } from '../limits/target-limits.js'

/**
 * Optional stages, each owned by one feature and wired by the composition root. The order is fixed:
 * context.prepare -> limits.admit -> policy -> route -> attempts -> settle (limits.settle,
 * context.remember); the call's end writes audit and metrics.
 */
export interface ContextStage {
  /** Team prompt and defaults, session history: applied before policy sees the request. */
  prepare(call: Call, req: ChatRequest): Promise<ChatRequest>
  /** After a successful call: store the turn for continued sessions. */
  remember(call: Call, req: ChatRequest, reply: { content: string }): Promise<void>
}

export interface Admission {
  /** Highest share (0-100) of any budget used, for policy conditions. */
  budgetUsedPct?: number
}

export interface LimitStage {
  /** Before the upstream call. Throws rate_limit_exceeded or insufficient_quota; may add call.responseHeaders. */
  admit(call: Call, estimate: { promptTokens: number }): Promise<Admission>
  /** After the call: charge actual tokens and cost. Must not throw. */
  settle(call: Call, usage: NormalizedUsage | null, costUsd: number | null): Promise<void>
}

/** Workflows called as a model (`model: workflow/<name>`): the run's output answers like a model's. */
export interface WorkflowModels {
  runAsModel(call: Call, req: ChatRequest): Promise<ChatOutcome>
}

/** What the stages need. No client format, no HTTP: a call runs the same from any ingress or in-process. */
export interface StageDeps {
  runtime: RuntimeRef
  transports: TransportSet
  clock: Clock
  newId: () => string
  context?: ContextStage | undefined
  limits?: LimitStage | undefined
  health?: TargetHealth | undefined
  /** Moving latency per target, for the least-latency strategy; fed after each successful attempt. */
  latency?: LatencyTracker | undefined
  /** Per-target rate limits (`targets[].rpm` / `tpm`). */
  targetLimits?: TargetLimits | undefined
  /** Absent until workflows are wired: `workflow/<name>` models are then unknown. */
  workflows?: WorkflowModels | undefined
}
