/** One audit row per client request, whatever happened to it. Filled along the pipeline, written once at the end. */
export const outcomes = ['ok', 'upstream_error', 'denied', 'rate_limited', 'over_budget', 'invalid_request', 'client_cancelled', 'timeout'] as const
export type Outcome = (typeof outcomes)[number]

export interface AttemptRecord {
  provider: string
  model: string
  status: number | null
  latency_ms: number
  error: string | null
}

export interface CallRecord {
  requestId: string
  traceId: string | null
  startedAt: Date
  endpoint: 'chat.completions' | 'embeddings'
  teamId: string | null
  keyId: string | null
  userId: string | null
  sessionId: string | null
  tags: string[]
  requestedModel: string | null
  rule: string | null
  policyVersion: string | null
  reason: string | null
  provider: string | null
  model: string | null
  attempts: AttemptRecord[]
  stream: boolean
  promptTokens: number | null
  completionTokens: number | null
  cachedTokens: number | null
  reasoningTokens: number | null
  usageEstimated: boolean
  costUsd: number | null
  ttftMs: number | null
  latencyMs: number | null
  status: number | null
  outcome: Outcome | null
  errorType: string | null
  errorMessage: string | null
  requestBody: unknown
  responseBody: unknown
}

export function newCallRecord(requestId: string, endpoint: CallRecord['endpoint'], startedAt: Date): CallRecord {
  return {
    requestId, traceId: null, startedAt, endpoint,
    teamId: null, keyId: null, userId: null, sessionId: null, tags: [],
    requestedModel: null, rule: null, policyVersion: null, reason: null,
    provider: null, model: null, attempts: [], stream: false,
    promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null, usageEstimated: false,
    costUsd: null, ttftMs: null, latencyMs: null, status: null, outcome: null, errorType: null, errorMessage: null,
    requestBody: null, responseBody: null,
  }
}

/** The outcome an error code stands for in the audit log. */
export function outcomeForCode(code: string): Outcome {
  switch (code) {
    case 'invalid_request': case 'invalid_json': case 'request_too_large': case 'model_not_found': case 'invalid_api_key': case 'model_not_allowed':
      return 'invalid_request'
    case 'policy_denied': return 'denied'
    case 'rate_limit_exceeded': return 'rate_limited'
    case 'insufficient_quota': return 'over_budget'
    case 'upstream_timeout': return 'timeout'
    default: return 'upstream_error'
  }
}
