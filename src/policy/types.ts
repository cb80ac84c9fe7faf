import type { ChatRequest } from '../call/chat.js'
import type { EmbeddingsRequest } from '../call/embeddings.js'
import type { Endpoint } from '../call/record.js'
import type { PolicyTestCase } from './schema.js'

/** Everything a rule may look at. Built once per call by the policy stage. */
export interface PolicyInput {
  /** The client API the call came in through. */
  endpoint: Endpoint
  /** The workflow and step a call belongs to (null outside workflows). */
  workflow: string | null
  step: string | null
  team: string
  teamLabels: Readonly<Record<string, string>>
  key: string | null
  user: string | null
  /** The model the client asked for. */
  model: string
  headers: Readonly<Record<string, string | string[] | undefined>>
  metadata: Readonly<Record<string, string>>
  request: ChatRequest | EmbeddingsRequest
  stream: boolean
  /** Highest share of any budget the team or key has used, 0-100 (absent when no budget applies). */
  budgetUsedPct: number | undefined
}

export interface Decision {
  /** Name of the rule that matched; null when none did (the requested model is routed). */
  rule: string | null
  kind: 'route' | 'deny'
  /** A logical model name or `provider/model`. */
  route: string
  denyMessage: string | null
  /** Parameter overrides and caps to apply to the request. */
  set: Readonly<Record<string, unknown>>
  tags: readonly string[]
  /** One line a human can read: why this rule fired. */
  reason: string
}

/** One rule's outcome in `explain`: matched or missed, and why. */
export interface RuleTrace {
  rule: string
  matched: boolean
  why: string
  /** What the rule does when it matches, e.g. `route smart` or `deny "..."`. */
  action: string
}

/** A compiled rule, as listed by the admin API and the CLI. */
export interface RuleSummary {
  readonly name: string
  /** The condition in words (`always` when the rule has none). */
  readonly when: string
  readonly action: string
}

export interface CompiledPolicy {
  /** Content hash of the policy source. */
  readonly version: string
  readonly loadedAt: Date
  readonly ruleCount: number
  readonly rules: readonly RuleSummary[]
  /** The file's `tests:` cases (run by `switchyard policy test`). */
  readonly tests: readonly PolicyTestCase[]
  /** The hot path: first matching rule wins; no match routes the requested model. */
  evaluate(input: PolicyInput): Decision
  /** Same decision as `evaluate`, with every rule up to the match traced (slow path, for humans). */
  explain(input: PolicyInput): { trace: RuleTrace[]; decision: Decision }
}
