import { createHash } from 'node:crypto'
import type { PolicySource } from '../config/load.js'
import { ConfigError, type SourceProblem } from '../config/yaml-source.js'
import { compileCondition, type Check } from './conditions.js'
import { Probe } from './probe.js'
import { policyFileSchema, type PolicyFile, type Rule } from './schema.js'
import type { CompiledPolicy, Decision, PolicyInput, RuleSummary, RuleTrace } from './types.js'

/** Names a route may use; when given, every `route:` must be one of them (or `requested`). */
export interface KnownRoutes {
  models: readonly string[]
  providers: readonly string[]
}

interface CompileOptions {
  known?: KnownRoutes | undefined
  loadedAt?: Date
}

interface CompiledRule {
  readonly summary: RuleSummary
  readonly check: Check | null
  /** Precomputed decision (null for `route: requested`, whose route is the request's model). */
  readonly fixed: Decision | null
  readonly requested: Omit<Decision, 'route'>
}

const NO_MATCH_REASON = 'no rule matched: routed to the requested model'

function policyValue(source: PolicySource): unknown {
  return source.kind === 'file' ? source.source.value : source.value
}

function policyVersion(source: PolicySource | null): string {
  const text = source === null ? '' : source.kind === 'file' ? source.source.text : JSON.stringify(source.value)
  return createHash('sha256').update(text).digest('hex').slice(0, 12)
}

function routeProblem(route: string, known: KnownRoutes): string | null {
  if (route === 'requested' || known.models.includes(route)) return null
  const slash = route.indexOf('/')
  if (slash > 0 && slash < route.length - 1) {
    const provider = route.slice(0, slash)
    return known.providers.includes(provider) ? null : `route "${route}": unknown provider "${provider}" (known: ${known.providers.join(', ') || 'none'})`
  }
  return `route "${route}" is not a logical model (known: ${known.models.join(', ') || 'none'}), a provider/model pair or "requested"`
}

function actionText(r: Rule): string {
  const parts: string[] = []
  if (r.deny !== undefined) parts.push(`deny ${JSON.stringify(r.deny)}`)
  else parts.push(`route ${r.route ?? 'requested'}`)
  if (r.set) parts.push(`set ${JSON.stringify(r.set)}`)
  if (r.tags?.length) parts.push(`tags ${r.tags.join(',')}`)
  return parts.join(', ')
}

function compileRule(r: Rule, i: number, problem: (path: ReadonlyArray<PropertyKey>, message: string) => void, known: KnownRoutes | undefined): CompiledRule {
  const check = r.when ? compileCondition(r.when, ['rules', i, 'when'], problem) : null
  if (known && r.route !== undefined) {
    const msg = routeProblem(r.route, known)
    if (msg) problem(['rules', i, 'route'], msg)
  }
  const when = check ? check.text : 'always'
  const action = actionText(r)
  const reason = `rule "${r.name}" matched (${when}): ${action}`
  const base = {
    rule: r.name,
    kind: r.deny !== undefined ? ('deny' as const) : ('route' as const),
    denyMessage: r.deny ?? null,
    set: Object.freeze({ ...(r.set ?? {}) }),
    tags: Object.freeze([...(r.tags ?? [])]),
    reason,
  }
  const route = r.route ?? 'requested'
  return {
    summary: { name: r.name, when, action },
    check,
    fixed: route === 'requested' ? null : Object.freeze({ ...base, route }),
    requested: base,
  }
}

/** Parses and validates a policy's YAML value; throws ConfigError with FILE:LINE:COL problems. */
function parsePolicy(source: PolicySource): PolicyFile {
  const prefix = source.kind === 'file' ? [] : source.path
  const parsed = policyFileSchema.safeParse(policyValue(source) ?? {})
  if (!parsed.success) throw new ConfigError(source.source.problemsFrom(parsed.error.issues, prefix))
  return parsed.data
}

/**
 * Compiles the policy once at load: schema, regexes, route names and decisions are all resolved
 * here, so evaluation only runs precompiled checks. Throws ConfigError on any problem.
 */
export function compilePolicy(source: PolicySource | null, opts: CompileOptions = {}): CompiledPolicy {
  const file: PolicyFile = source ? parsePolicy(source) : { rules: [], tests: [] }
  const problems: SourceProblem[] = []
  const prefix = source?.kind === 'inline' ? source.path : []
  const problem = (path: ReadonlyArray<PropertyKey>, message: string) => {
    if (!source) return
    const at = [...prefix, ...path]
    problems.push({ file: source.source.file, ...source.source.locate(at), message: `${at.map(String).join('.')}: ${message}` })
  }
  const rules = file.rules.map((r, i) => compileRule(r, i, problem, opts.known))
  if (problems.length > 0) throw new ConfigError(problems)

  const decide = (rule: CompiledRule, input: PolicyInput): Decision => rule.fixed ?? { ...rule.requested, route: input.model }
  const noMatch = (input: PolicyInput): Decision => ({ rule: null, kind: 'route', route: input.model, denyMessage: null, set: {}, tags: [], reason: NO_MATCH_REASON })

  return {
    version: policyVersion(source),
    loadedAt: opts.loadedAt ?? new Date(),
    ruleCount: rules.length,
    rules: rules.map((r) => r.summary),
    tests: file.tests,
    evaluate(input) {
      const probe = new Probe(input)
      for (const rule of rules) if (rule.check === null || rule.check.test(probe)) return decide(rule, input)
      return noMatch(input)
    },
    explain(input) {
      const probe = new Probe(input)
      const trace: RuleTrace[] = []
      for (const rule of rules) {
        const v = rule.check ? rule.check.explain(probe) : { ok: true, why: 'no conditions' }
        trace.push({ rule: rule.summary.name, matched: v.ok, why: v.why, action: rule.summary.action })
        if (v.ok) {
          const d = decide(rule, input)
          return { trace, decision: { ...d, reason: `rule "${rule.summary.name}" matched: ${v.why}` } }
        }
      }
      return { trace, decision: noMatch(input) }
    },
  }
}
