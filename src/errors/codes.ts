import type { Outcome } from '../call/record.js'

/**
 * The single table of gateway errors. Every failure the gateway reports is one of these codes, with
 * its HTTP status, its OpenAI error type and the audit `outcome` it stands for; each ingress renders
 * them in its client's dialect. Keep docs/errors in the README in step (test/unit/errors.test.ts
 * checks it).
 */
export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'api_error'
  | 'server_error'

interface ErrorSpec {
  readonly status: number
  readonly type: OpenAIErrorType
  readonly message: string
  /** The audit outcome of a call that ends with this error. */
  readonly outcome: Outcome
}

export const errorCodes = {
  invalid_request: { status: 400, type: 'invalid_request_error', message: 'The request is invalid.', outcome: 'invalid_request' },
  invalid_json: { status: 400, type: 'invalid_request_error', message: 'The request body is not valid JSON.', outcome: 'invalid_request' },
  invalid_api_key: { status: 401, type: 'authentication_error', message: 'Incorrect or missing API key.', outcome: 'unauthorized' },
  admin_unauthorized: { status: 401, type: 'authentication_error', message: 'Admin token required.', outcome: 'unauthorized' },
  policy_denied: { status: 403, type: 'permission_error', message: 'Denied by policy.', outcome: 'denied' },
  model_not_allowed: { status: 403, type: 'permission_error', message: 'This key or team may not use that model.', outcome: 'invalid_request' },
  model_not_found: { status: 404, type: 'invalid_request_error', message: 'The model does not exist.', outcome: 'invalid_request' },
  not_found: { status: 404, type: 'not_found_error', message: 'Unknown route.', outcome: 'invalid_request' },
  config_invalid: { status: 422, type: 'invalid_request_error', message: 'The config or policy on disk is invalid; the running version stays.', outcome: 'invalid_request' },
  request_too_large: { status: 413, type: 'invalid_request_error', message: 'The request body is too large.', outcome: 'invalid_request' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', message: 'Rate limit reached.', outcome: 'rate_limited' },
  insufficient_quota: { status: 429, type: 'insufficient_quota', message: 'Budget exhausted.', outcome: 'over_budget' },
  upstream_error: { status: 502, type: 'api_error', message: 'The upstream provider failed.', outcome: 'upstream_error' },
  upstream_unavailable: { status: 503, type: 'api_error', message: 'No upstream provider is available.', outcome: 'upstream_error' },
  upstream_timeout: { status: 504, type: 'api_error', message: 'The upstream provider timed out.', outcome: 'timeout' },
  shutting_down: { status: 503, type: 'server_error', message: 'The gateway is shutting down.', outcome: 'upstream_error' },
  storage_unavailable: { status: 503, type: 'server_error', message: 'A storage dependency is unavailable.', outcome: 'upstream_error' },
  internal_error: { status: 500, type: 'server_error', message: 'Internal gateway error.', outcome: 'upstream_error' },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof errorCodes
