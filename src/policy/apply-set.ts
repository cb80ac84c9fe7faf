/** Caps: a rule's value is an upper bound on what the client asked for, not a replacement. */
const capped = new Set(['max_tokens', 'max_completion_tokens', 'n', 'temperature', 'top_p'])

/**
 * Applies a rule's `set` to a request. Parameters in `capped` are lowered to the rule's value when
 * the client asked for more (and set when it asked for none); anything else is overridden.
 */
export function applySet<T extends Record<string, unknown>>(req: T, set: Readonly<Record<string, unknown>>): T {
  const keys = Object.keys(set)
  if (keys.length === 0) return req
  const out: Record<string, unknown> = { ...req }
  for (const k of keys) {
    const v = set[k]
    const cur = out[k]
    out[k] = capped.has(k) && typeof v === 'number' && typeof cur === 'number' ? Math.min(cur, v) : v
  }
  return out as T
}
