/**
 * Portkey conditional-routing queries (`{"metadata.plan": {"$eq": "paid"}}`, `$and` / `$or`) as
 * Switchyard policy conditions. Metadata and `params.model` compare with `$eq`, `$ne`, `$in`, `$nin`
 * (globs in Switchyard); ordering and regex operators have no counterpart and are reported.
 */
type Problem = (message: string) => void

const globSafe = (v: unknown): string | null => (typeof v === 'string' && !/[*?[\]]/.test(v) ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null)

function field(path: string, test: unknown, problem: Problem): Record<string, unknown> | null {
  const [where, ...rest] = path.split('.')
  const name = rest.join('.')
  const wrap = (values: string | string[]): Record<string, unknown> | null => {
    if (where === 'metadata' && name) return { metadata: { [name]: values } }
    if (where === 'params' && name === 'model') return { model: values }
    problem(`query on "${path}": only metadata.* and params.model can be matched; this condition is not carried`)
    return null
  }
  const ops = test !== null && typeof test === 'object' && !Array.isArray(test) ? (test as Record<string, unknown>) : { $eq: test }
  const parts: Array<Record<string, unknown>> = []
  for (const [op, v] of Object.entries(ops)) {
    const values = Array.isArray(v) ? v.map(globSafe) : [globSafe(v)]
    if (values.some((x) => x === null)) {
      problem(`query on "${path}" ${op}: values must be plain strings, numbers or booleans; this condition is not carried`)
      return null
    }
    const list = values as string[]
    const cond = wrap(list.length === 1 && (op === '$eq' || op === '$ne') ? list[0]! : list)
    if (!cond) return null
    if (op === '$eq' || op === '$in') parts.push(cond)
    else if (op === '$ne' || op === '$nin') parts.push({ not: cond })
    else {
      problem(`query on "${path}" uses ${op}: Switchyard compares metadata by value and glob only; this condition is not carried`)
      return null
    }
  }
  return parts.length === 1 ? parts[0]! : { all: parts }
}

export function conditionFromQuery(query: Record<string, unknown>, problem: Problem): Record<string, unknown> | null {
  const parts: Array<Record<string, unknown>> = []
  for (const [key, value] of Object.entries(query)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value)) {
        problem(`${key} must be a list; this condition is not carried`)
        return null
      }
      const subs = value.map((q) => conditionFromQuery(q as Record<string, unknown>, problem))
      if (subs.some((s) => s === null)) return null
      parts.push({ [key === '$and' ? 'all' : 'any']: subs })
      continue
    }
    const f = field(key, value, problem)
    if (!f) return null
    parts.push(f)
  }
  if (parts.length === 0) {
    problem('an empty query: not carried')
    return null
  }
  return parts.length === 1 ? parts[0]! : { all: parts }
}

/** Metadata that satisfies a simple query (equality on metadata fields), for the generated policy test; null otherwise. */
export function sampleMetadata(query: Record<string, unknown>): Record<string, string> | null {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(query)) {
    if (key === '$and') {
      for (const q of value as Array<Record<string, unknown>>) {
        const sub = sampleMetadata(q)
        if (!sub) return null
        Object.assign(out, sub)
      }
      continue
    }
    if (key === '$or') {
      const first = (value as Array<Record<string, unknown>>)[0]
      const sub = first ? sampleMetadata(first) : null
      if (!sub) return null
      Object.assign(out, sub)
      continue
    }
    if (!key.startsWith('metadata.')) return null
    const ops = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : { $eq: value }
    const eq = ops.$eq ?? (Array.isArray(ops.$in) ? ops.$in[0] : undefined)
    if (eq === undefined || Object.keys(ops).some((op) => op !== '$eq' && op !== '$in')) return null
    out[key.slice('metadata.'.length)] = String(eq)
  }
  return Object.keys(out).length > 0 ? out : null
}
