import { GatewayError } from '../../errors/gateway-error.js'
import type { CallContext } from '../call-context.js'
import type { Decision } from './types.js'

/**
 * Puts a policy decision on the call (audit record and `x-switchyard-rule`) and raises the denial.
 * Shared by every endpoint, so a decision is recorded the same way wherever it is made.
 */
export function recordDecision(ctx: CallContext, policyVersion: string, decision: Decision): Decision {
  const r = ctx.record
  r.rule = decision.rule
  r.policyVersion = policyVersion
  r.reason = decision.reason
  if (decision.tags.length > 0) r.tags = [...r.tags, ...decision.tags]
  ctx.responseHeaders['x-switchyard-rule'] = decision.rule ?? 'none'
  if (decision.kind === 'deny') throw new GatewayError('policy_denied', decision.denyMessage ?? undefined)
  return decision
}
