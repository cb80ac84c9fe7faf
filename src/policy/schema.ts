import { z } from 'zod'
import { endpoints } from '../call/record.js'

/** A value or a list of values; lists match when any item matches. Strings may be globs (`*`, `?`). */
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])

const comparison = z
  .strictObject({ gt: z.number().optional(), gte: z.number().optional(), lt: z.number().optional(), lte: z.number().optional() })
  .refine((c) => c.gt !== undefined || c.gte !== undefined || c.lt !== undefined || c.lte !== undefined, 'needs at least one of gt, gte, lt, lte')

const hasFeatures = ['tools', 'images', 'json_schema'] as const

const contentCondition = z
  .strictObject({
    /** A JavaScript regular expression; a leading `(?i)` makes it case-insensitive. */
    matches: z.string().min(1).optional(),
    /** Matched when any item appears (case-insensitive substring). */
    contains: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** `last_user` (default): the last user message; `all`: every message. */
    scope: z.enum(['last_user', 'all']).default('last_user'),
  })
  .refine((c) => c.matches !== undefined || c.contains !== undefined, 'needs matches or contains')

interface ConditionInput {
  endpoint?: string | string[] | undefined
  workflow?: string | string[] | undefined
  step?: string | string[] | undefined
  team?: string | string[] | undefined
  key?: string | string[] | undefined
  user?: string | string[] | undefined
  model?: string | string[] | undefined
  header?: Record<string, string | string[]> | undefined
  metadata?: Record<string, string | string[]> | undefined
  content?: z.input<typeof contentCondition> | undefined
  prompt_tokens?: z.input<typeof comparison> | undefined
  has?: (typeof hasFeatures)[number] | Array<(typeof hasFeatures)[number]> | undefined
  stream?: boolean | undefined
  budget_used_pct?: z.input<typeof comparison> | undefined
  all?: ConditionInput[] | undefined
  any?: ConditionInput[] | undefined
  not?: ConditionInput | undefined
}

/** One condition object: every key present must hold (an implicit `all`). */
const conditionSchema: z.ZodType<Condition, ConditionInput> = z.lazy(() =>
  z
    .strictObject({
      endpoint: oneOrMany.optional(),
      workflow: oneOrMany.optional(),
      step: oneOrMany.optional(),
      team: oneOrMany.optional(),
      key: oneOrMany.optional(),
      user: oneOrMany.optional(),
      model: oneOrMany.optional(),
      header: z.record(z.string().min(1), oneOrMany).optional(),
      metadata: z.record(z.string().min(1), oneOrMany).optional(),
      content: contentCondition.optional(),
      prompt_tokens: comparison.optional(),
      has: z.union([z.enum(hasFeatures), z.array(z.enum(hasFeatures)).min(1)]).optional(),
      stream: z.boolean().optional(),
      budget_used_pct: comparison.optional(),
      all: z.array(conditionSchema).min(1).optional(),
      any: z.array(conditionSchema).min(1).optional(),
      not: conditionSchema.optional(),
    })
    .refine((c) => Object.values(c).some((v) => v !== undefined), 'an empty condition matches everything: leave `when` out instead'),
)

export type Comparison = z.output<typeof comparison>
type ContentCondition = z.output<typeof contentCondition>
export type HasFeature = (typeof hasFeatures)[number]
export interface Condition {
  endpoint?: string | string[] | undefined
  workflow?: string | string[] | undefined
  step?: string | string[] | undefined
  team?: string | string[] | undefined
  key?: string | string[] | undefined
  user?: string | string[] | undefined
  model?: string | string[] | undefined
  header?: Record<string, string | string[]> | undefined
  metadata?: Record<string, string | string[]> | undefined
  content?: ContentCondition | undefined
  prompt_tokens?: Comparison | undefined
  has?: HasFeature | HasFeature[] | undefined
  stream?: boolean | undefined
  budget_used_pct?: Comparison | undefined
  all?: Condition[] | undefined
  any?: Condition[] | undefined
  not?: Condition | undefined
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()])

const ruleSchema = z
  .strictObject({
    name: z.string().min(1).regex(/^[A-Za-z0-9._:-]+$/, 'rule names use A-Z a-z 0-9 . _ : - (they travel in a response header)'),
    when: conditionSchema.optional(),
    /** A logical model, `provider/model`, or `requested`. */
    route: z.string().min(1).optional(),
    /** Refuse the call with this message (403 policy_denied). */
    deny: z.string().min(1).optional(),
    /** Parameter overrides; max_tokens, max_completion_tokens, n, temperature, top_p are caps. */
    set: z.record(z.string(), z.union([scalar, z.array(scalar), z.record(z.string(), z.unknown())])).optional(),
    /** Copied to the audit record. */
    tags: z.array(z.string().min(1).max(64)).optional(),
  })
  .refine((r) => !(r.route !== undefined && r.deny !== undefined), 'a rule either routes or denies, not both')
  .refine((r) => r.route !== undefined || r.deny !== undefined || r.set !== undefined || r.tags !== undefined, 'a rule needs route, deny, set or tags')

const testCaseSchema = z.strictObject({
  name: z.string().min(1),
  team: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  budget_used_pct: z.number().min(0).optional(),
  /** The client API the request comes in through (default chat.completions, or embeddings for an `input` body). */
  endpoint: z.enum(endpoints).optional(),
  /** For steps of a workflow: its name and the step id. */
  workflow: z.string().min(1).optional(),
  step: z.string().min(1).optional(),
  /** A Chat Completions (or embeddings) request body. */
  request: z.looseObject({ model: z.string().min(1) }),
  expect: z.strictObject({
    /** The rule that should fire; `none` (or null) when no rule should match. */
    rule: z.string().min(1).nullable(),
    route: z.string().min(1).optional(),
    /** For deny cases: a substring of the deny message (optional). */
    deny: z.string().optional(),
  }),
})

export const policyFileSchema = z
  .strictObject({
    version: z.union([z.string(), z.number()]).optional(),
    rules: z.array(ruleSchema).default([]),
    tests: z.array(testCaseSchema).default([]),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>()
    p.rules.forEach((r, i) => {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name "${r.name}" (first at rules[${seen.get(r.name)}])` })
      else seen.set(r.name, i)
    })
  })

export type Rule = z.output<typeof ruleSchema>
export type PolicyTestCase = z.output<typeof testCaseSchema>
export type PolicyFile = z.output<typeof policyFileSchema>
