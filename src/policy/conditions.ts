import { anyGlob, compare, comparisonText, compileRegex, listText, requiredLiterals } from './matchers.js'
import type { Probe } from './probe.js'
import type { Condition } from './schema.js'

/** Why a condition held or not, for `policy explain` and decision reasons. */
interface Verdict {
  ok: boolean
  why: string
}

/** A condition compiled once: `test` is the hot path (no allocation beyond lazily computed facts). */
export interface Check {
  readonly text: string
  test(p: Probe): boolean
  explain(p: Probe): Verdict
}

type ProblemSink = (path: ReadonlyArray<PropertyKey>, message: string) => void

const q = (v: string | null | undefined): string => (v === null || v === undefined ? '(none)' : JSON.stringify(v))

/** A check on one optional string fact (team, key, user, model, a header, a metadata field). */
function stringCheck(label: string, patterns: string | string[], get: (p: Probe) => string | null | undefined): Check {
  const m = anyGlob(patterns)
  const text = `${label} = ${listText(patterns)}`
  return {
    text,
    test: (p) => {
      const v = get(p)
      return v !== null && v !== undefined && m(v)
    },
    explain: (p) => {
      const v = get(p)
      const ok = v !== null && v !== undefined && m(v)
      return { ok, why: ok ? `${label} is ${q(v)}` : `${label} is ${q(v)}, not ${listText(patterns)}` }
    },
  }
}

function numberCheck(label: string, c: NonNullable<Condition['prompt_tokens']>, get: (p: Probe) => number | undefined): Check {
  const text = `${label} ${comparisonText(c)}`
  return {
    text,
    test: (p) => {
      const v = get(p)
      return v !== undefined && compare(c, v)
    },
    explain: (p) => {
      const v = get(p)
      if (v === undefined) return { ok: false, why: `${label} is unknown (no budget applies)` }
      const ok = compare(c, v)
      return { ok, why: `${label} is ${Math.round(v * 100) / 100}${ok ? ', ' : ', not '}${comparisonText(c)}` }
    },
  }
}

function allOf(checks: Check[], text: string): Check {
  if (checks.length === 1) return checks[0]!
  return {
    text,
    test: (p) => {
      for (const c of checks) if (!c.test(p)) return false
      return true
    },
    explain: (p) => {
      const whys: string[] = []
      for (const c of checks) {
        const v = c.explain(p)
        if (!v.ok) return { ok: false, why: v.why }
        whys.push(v.why)
      }
      return { ok: true, why: whys.join(' and ') }
    },
  }
}

function anyOf(checks: Check[]): Check {
  const text = `any(${checks.map((c) => c.text).join('; ')})`
  return {
    text,
    test: (p) => {
      for (const c of checks) if (c.test(p)) return true
      return false
    },
    explain: (p) => {
      const misses: string[] = []
      for (const c of checks) {
        const v = c.explain(p)
        if (v.ok) return { ok: true, why: v.why }
        misses.push(v.why)
      }
      return { ok: false, why: `none of: ${misses.join('; ')}` }
    },
  }
}

function notOf(check: Check): Check {
  return {
    text: `not(${check.text})`,
    test: (p) => !check.test(p),
    explain: (p) => {
      const v = check.explain(p)
      return { ok: !v.ok, why: v.ok ? `${v.why} (negated)` : `not: ${v.why}` }
    },
  }
}

function contentCheck(c: NonNullable<Condition['content']>, path: ReadonlyArray<PropertyKey>, problem: ProblemSink): Check | null {
  const scope = c.scope === 'all' ? 'all messages' : 'last user message'
  const sc = c.scope
  const checks: Check[] = []
  if (c.matches !== undefined) {
    let re: RegExp
    try {
      re = compileRegex(c.matches)
    } catch (err) {
      problem([...path, 'matches'], `invalid regular expression: ${(err as Error).message}`)
      return null
    }
    const insensitive = re.flags.includes('i')
    const literals = requiredLiterals(re.source, insensitive)
    const label = `content(${scope}) matches /${c.matches}/`
    checks.push({
      text: label,
      test: literals
        ? (p) => {
            const hay = insensitive ? p.lower(sc) : p.text(sc)
            for (const l of literals) if (hay.includes(l)) return re.test(p.text(sc))
            return false
          }
        : (p) => re.test(p.text(sc)),
      explain: (p) => {
        const m = re.exec(p.text(sc))
        return { ok: m !== null, why: m ? `${scope} matches /${c.matches}/ at ${q(m[0].slice(0, 40))}` : `${scope} does not match /${c.matches}/` }
      },
    })
  }
  if (c.contains !== undefined) {
    const items = (typeof c.contains === 'string' ? [c.contains] : c.contains).map((x) => x.toLowerCase())
    const label = `content(${scope}) contains ${listText(c.contains)}`
    checks.push({
      text: label,
      test: (p) => {
        const hay = p.lower(sc)
        for (const i of items) if (hay.includes(i)) return true
        return false
      },
      explain: (p) => {
        const hay = p.lower(sc)
        const hit = items.find((i) => hay.includes(i))
        return { ok: hit !== undefined, why: hit !== undefined ? `${scope} contains ${q(hit)}` : `${scope} contains none of ${listText(c.contains!)}` }
      },
    })
  }
  return allOf(checks, checks.map((x) => x.text).join(' and '))
}

/**
 * Compiles a condition object: every key present must hold, cheap facts first. Regex problems are
 * reported through `problem` with their path; the result is null when anything failed.
 */
export function compileCondition(c: Condition, path: ReadonlyArray<PropertyKey>, problem: ProblemSink): Check | null {
  const checks: Check[] = []
  let failed = false
  const add = (x: Check | null) => (x ? checks.push(x) : (failed = true))
  if (c.endpoint !== undefined) add(stringCheck('endpoint', c.endpoint, (p) => p.input.endpoint))
  if (c.workflow !== undefined) add(stringCheck('workflow', c.workflow, (p) => p.input.workflow))
  if (c.step !== undefined) add(stringCheck('step', c.step, (p) => p.input.step))
  if (c.team !== undefined) add(stringCheck('team', c.team, (p) => p.input.team))
  if (c.key !== undefined) add(stringCheck('key', c.key, (p) => p.input.key))
  if (c.user !== undefined) add(stringCheck('user', c.user, (p) => p.input.user))
  if (c.model !== undefined) add(stringCheck('model', c.model, (p) => p.input.model))
  if (c.stream !== undefined) {
    const want = c.stream
    add({
      text: `stream = ${want}`,
      test: (p) => p.input.stream === want,
      explain: (p) => ({ ok: p.input.stream === want, why: `stream is ${p.input.stream}` }),
    })
  }
  for (const [name, v] of Object.entries(c.header ?? {})) {
    const lower = name.toLowerCase()
    add(stringCheck(`header ${lower}`, v, (p) => p.header(lower)))
  }
  for (const [name, v] of Object.entries(c.metadata ?? {})) add(stringCheck(`metadata.${name}`, v, (p) => p.input.metadata[name]))
  if (c.has !== undefined) {
    const features = typeof c.has === 'string' ? [c.has] : c.has
    for (const f of features) {
      add({
        text: `has ${f}`,
        test: (p) => p.has(f),
        explain: (p) => {
          const ok = p.has(f)
          return { ok, why: ok ? `request has ${f}` : `request has no ${f}` }
        },
      })
    }
  }
  if (c.budget_used_pct !== undefined) add(numberCheck('budget_used_pct', c.budget_used_pct, (p) => p.input.budgetUsedPct))
  if (c.prompt_tokens !== undefined) add(numberCheck('prompt_tokens (estimated)', c.prompt_tokens, (p) => p.promptTokens()))
  if (c.content !== undefined) add(contentCheck(c.content, [...path, 'content'], problem))
  if (c.all !== undefined) {
    const subs = c.all.map((s, i) => compileCondition(s, [...path, 'all', i], problem))
    if (subs.every((s): s is Check => s !== null)) add(allOf(subs, `all(${subs.map((s) => s.text).join('; ')})`))
    else failed = true
  }
  if (c.any !== undefined) {
    const subs = c.any.map((s, i) => compileCondition(s, [...path, 'any', i], problem))
    if (subs.every((s): s is Check => s !== null)) add(anyOf(subs))
    else failed = true
  }
  if (c.not !== undefined) {
    const sub = compileCondition(c.not, [...path, 'not'], problem)
    add(sub ? notOf(sub) : null)
  }
  if (failed) return null
  return allOf(checks, checks.map((x) => x.text).join(' and '))
}
