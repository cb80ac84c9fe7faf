import { GatewayError } from '../../errors/gateway-error.js'
import type { CallContext } from '../call-context.js'
import type { Decision, PolicyInput } from './types.js'

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

/** The call's side of the policy input; the principal's side (team, labels, key, headers) comes from the call context. */
export type CallFacts = Pick<PolicyInput, 'endpoint' | 'user' | 'model' | 'metadata' | 'request' | 'stream' | 'budgetUsedPct'>

/** Evaluates the policy for a call of any endpoint and records the decision on it. */
export function decideCall(policy: { version: string; evaluate(input: PolicyInput): Decision }, ctx: CallContext, facts: CallFacts): Decision {
  const p = ctx.principal
  const input: PolicyInput = {
    endpoint: facts.endpoint,
    team: p.teamId,
    teamLabels: p.team.labels ?? {},
    key: p.keyName,
    user: facts.user,
    model: facts.model,
    headers: ctx.headers,
    metadata: facts.metadata,
    request: facts.request,
    stream: facts.stream,
    budgetUsedPct: facts.budgetUsedPct,
  }
  return recordDecision(ctx, policy.version, policy.evaluate(input))
}
