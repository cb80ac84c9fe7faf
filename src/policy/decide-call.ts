import { GatewayError } from '../errors/gateway-error.js'
import type { Call } from '../call/call.js'
import type { CompiledPolicy, Decision, PolicyInput } from './types.js'

/** The call's side of the policy input; the principal's side (team, labels, key, headers) comes from the call. */
type CallFacts = Pick<PolicyInput, 'endpoint' | 'user' | 'model' | 'metadata' | 'request' | 'stream' | 'budgetUsedPct'>

/**
 * Evaluates the policy for a call of any endpoint, puts the decision on the call (audit record and
 * `x-switchyard-rule`) and raises the denial: every endpoint decides and records the same way.
 */
export function decideCall(policy: Pick<CompiledPolicy, 'version' | 'evaluate'>, call: Call, facts: CallFacts): Decision {
  const p = call.who
  const input: PolicyInput = {
    endpoint: facts.endpoint,
    workflow: call.workflow?.name ?? null,
    step: call.workflow?.step ?? null,
    team: p.teamId,
    teamLabels: p.team.labels ?? {},
    key: p.keyName,
    user: facts.user,
    model: facts.model,
    headers: call.headers,
    metadata: facts.metadata,
    request: facts.request,
    stream: facts.stream,
    budgetUsedPct: facts.budgetUsedPct,
  }
  const decision = policy.evaluate(input)
  const r = call.record
  r.rule = decision.rule
  r.policyVersion = policy.version
  r.reason = decision.reason
  if (decision.tags.length > 0) r.tags = [...r.tags, ...decision.tags]
  call.responseHeaders['x-switchyard-rule'] = decision.rule ?? 'none'
  if (decision.kind === 'deny') throw new GatewayError('policy_denied', decision.denyMessage ?? undefined)
  return decision
}
