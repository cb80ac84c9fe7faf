import type { AuditConfig } from '../../config/schema.js'

/** Keys whose string values are user or model text: replaced by their length in `redacted` mode. */
const TEXT_KEYS = new Set(['content', 'text', 'arguments', 'refusal', 'input', 'prompt', 'system_prompt', 'data', 'url', 'reasoning_content'])
/** Strings that look like credentials, masked wherever they appear. */
const SECRET = /\b(?:sk-[A-Za-z0-9_-]{8,}|sk-sy-[A-Za-z0-9_-]+|AIza[0-9A-Za-z_-]{20,}|(?:ghp|gho|github_pat)_[A-Za-z0-9_]{20,}|xox[abp]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})\b/g
const MAX_DEPTH = 32

function walk(value: unknown, key: string | null, depth: number, redact: boolean): unknown {
  if (depth > MAX_DEPTH) return '[truncated]'
  if (typeof value === 'string') return redact && key !== null && TEXT_KEYS.has(key) ? `[redacted ${value.length} chars]` : value.replace(SECRET, '[secret]')
  if (Array.isArray(value)) return value.map((v) => walk(v, key, depth + 1, redact))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, k, depth + 1, redact)
    return out
  }
  return value
}

/**
 * What of a request or response body goes into the audit row. `none`: nothing. `full`: the body as
 * the gateway saw it, except credential-shaped strings (sk-..., JWTs, cloud keys), which are masked in
 * every mode. `redacted`: the same structure (roles, model, parameters, tool names, finish
 * reasons, usage) with every text value replaced by `[redacted N chars]` and credential-shaped strings
 * masked, so a reviewer sees what kind of call it was without its contents.
 */
export function auditBody(mode: AuditConfig['bodies'], body: unknown): unknown {
  if (mode === 'none' || body === null || body === undefined) return null
  return walk(body, null, 0, mode === 'redacted')
}
