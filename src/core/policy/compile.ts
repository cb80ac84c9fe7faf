import { createHash } from 'node:crypto'
import type { PolicySource } from '../../config/load.js'
import type { CompiledPolicy, Decision, PolicyInput } from './types.js'

/**
 * Compiles the policy source once at load. (Placeholder until the policy engine lands: every
 * request routes to the model it asked for.)
 */
export function compilePolicy(source: PolicySource | null, loadedAt: Date = new Date()): CompiledPolicy {
  const text = source ? source.source.text : ''
  const version = createHash('sha256').update(text).digest('hex').slice(0, 12)
  return {
    version,
    loadedAt,
    ruleCount: 0,
    evaluate(input: PolicyInput): Decision {
      return { rule: null, kind: 'route', route: input.model, denyMessage: null, set: {}, tags: [], reason: 'no rule matched: routed to the requested model' }
    },
  }
}
