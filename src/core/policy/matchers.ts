import type { Comparison } from './schema.js'

/** Tests one string; built once at compile time. */
export type StringMatcher = (value: string) => boolean

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `*` matches any run of characters, `?` one character; anything else is literal. */
export function globMatcher(pattern: string): StringMatcher {
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

/** `contains` items as one case-insensitive alternation, so a scan is a single regex pass. */
export function containsRegex(items: string | readonly string[]): RegExp {
  const list = typeof items === 'string' ? [items] : items
  return new RegExp(list.map(escapeRegex).join('|'), 'i')
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
