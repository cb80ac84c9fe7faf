import type { Comparison } from './schema.js'

/** Tests one string; built once at compile time. */
type StringMatcher = (value: string) => boolean

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `*` matches any run of characters, `?` one character; anything else is literal. */
function globMatcher(pattern: string): StringMatcher {
  if (!/[*?]/.test(pattern)) return (v) => v === pattern
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegex(c))).join('')}$`, 's')
  return (v) => re.test(v)
}

/** A value or list of globs: matches when any does. */
export function anyGlob(patterns: string | readonly string[]): StringMatcher {
  const list = typeof patterns === 'string' ? [patterns] : patterns
  const ms = list.map(globMatcher)
  if (ms.length === 1) return ms[0]!
  return (v) => {
    for (const m of ms) if (m(v)) return true
    return false
  }
}

/** The policy's regex dialect: JavaScript syntax, where a leading `(?i)` means case-insensitive. */
export function compileRegex(source: string): RegExp {
  const insensitive = source.startsWith('(?i)')
  return new RegExp(insensitive ? source.slice(4) : source, insensitive ? 'i' : '')
}

export function compare(c: Comparison, v: number): boolean {
  return (c.gt === undefined || v > c.gt) && (c.gte === undefined || v >= c.gte) && (c.lt === undefined || v < c.lt) && (c.lte === undefined || v <= c.lte)
}

export function comparisonText(c: Comparison): string {
  const parts: string[] = []
  if (c.gt !== undefined) parts.push(`> ${c.gt}`)
  if (c.gte !== undefined) parts.push(`>= ${c.gte}`)
  if (c.lt !== undefined) parts.push(`< ${c.lt}`)
  if (c.lte !== undefined) parts.push(`<= ${c.lte}`)
  return parts.join(' and ')
}

export const listText = (v: string | readonly string[]): string => (typeof v === 'string' ? v : v.join('|'))

/**
 * Literals a regex cannot match without: when the source is a plain alternation of ASCII words
 * (`\b` and `^`/`$` anchors allowed, `\.`-style escapes unescaped), e.g. `\bpython|typescript\b`.
 * Null when the pattern is anything richer. A match always contains one of the literals (in
 * lowercase for case-insensitive patterns), so `indexOf` can rule most texts out before the regex.
 */
export function requiredLiterals(source: string, insensitive: boolean): string[] | null {
  const branches = source.split('|')
  const out: string[] = []
  for (let b of branches) {
    b = b.replace(/^\^/, '').replace(/\$$/, '').replace(/^\\b/, '').replace(/\\b$/, '')
    let lit = ''
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!
      if (c === '\\') {
        const n = b[i + 1]
        if (n === undefined || /[A-Za-z0-9]/.test(n)) return null // \b \d \w \1 ...: not a literal
        lit += n
        i++
      } else if ('.*+?()[]{}^$|'.includes(c)) return null
      else lit += c
    }
    if (lit === '' || !/^[\x20-\x7e]+$/.test(lit)) return null
    out.push(insensitive ? lit.toLowerCase() : lit)
  }
  return out
}
