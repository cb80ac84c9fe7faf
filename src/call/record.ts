/** One audit row per client request, whatever happened to it. Filled along the call path, written once when the call ends. */
export const outcomes = ['ok', 'upstream_error', 'denied', 'rate_limited', 'over_budget', 'invalid_request', 'unauthorized', 'client_cancelled', 'timeout'] as const
export type Outcome = (typeof outcomes)[number]

/** The client API a call came in through (`workflow` for the steps of a workflow run). */
export const endpoints = ['chat.completions', 'embeddings', 'responses', 'messages', 'workflow'] as const
export type Endpoint = (typeof endpoints)[number]

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
  endpoint: Endpoint
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
  /** Workflow run and step this call belongs to (null outside workflows). */
  runId: string | null
  stepId: string | null
  /** Answered from the response cache (no upstream call). */
  cacheHit: boolean
  /** What the answer cost when it was first made (cache hits). */
  savedUsd: number | null
  /** Hints and hosted tools left out of the upstream call (x-switchyard-omitted). */
  omitted: string[]
}

export function newCallRecord(requestId: string, endpoint: Endpoint, startedAt: Date): CallRecord {
  return {
    requestId, traceId: null, startedAt, endpoint,
    teamId: null, keyId: null, userId: null, sessionId: null, tags: [],
    requestedModel: null, rule: null, policyVersion: null, reason: null,
    provider: null, model: null, attempts: [], stream: false,
    promptTokens: null, completionTokens: null, cachedTokens: null, reasoningTokens: null, usageEstimated: false,
    costUsd: null, ttftMs: null, latencyMs: null, status: null, outcome: null, errorType: null, errorMessage: null,
    requestBody: null, responseBody: null, runId: null, stepId: null, cacheHit: false, savedUsd: null, omitted: [],
  }
}
