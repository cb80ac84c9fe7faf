/**
 * The single table of gateway errors. Every failure the gateway reports is one of these codes;
 * `toOpenAIError` renders them in OpenAI's envelope. Keep docs/errors in the README in step
 * (test/unit/errors.test.ts checks it).
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

export interface ErrorSpec {
  readonly status: number
  readonly type: OpenAIErrorType
  readonly message: string
}

export const errorCodes = {
  invalid_request: { status: 400, type: 'invalid_request_error', message: 'The request is invalid.' },
  invalid_json: { status: 400, type: 'invalid_request_error', message: 'The request body is not valid JSON.' },
  invalid_api_key: { status: 401, type: 'authentication_error', message: 'Incorrect or missing API key.' },
  admin_unauthorized: { status: 401, type: 'authentication_error', message: 'Admin token required.' },
  policy_denied: { status: 403, type: 'permission_error', message: 'Denied by policy.' },
  model_not_allowed: { status: 403, type: 'permission_error', message: 'This key or team may not use that model.' },
  model_not_found: { status: 404, type: 'invalid_request_error', message: 'The model does not exist.' },
  not_found: { status: 404, type: 'not_found_error', message: 'Unknown route.' },
  config_invalid: { status: 422, type: 'invalid_request_error', message: 'The config or policy on disk is invalid; the running version stays.' },
  request_too_large: { status: 413, type: 'invalid_request_error', message: 'The request body is too large.' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', message: 'Rate limit reached.' },
  insufficient_quota: { status: 429, type: 'insufficient_quota', message: 'Budget exhausted.' },
  upstream_error: { status: 502, type: 'api_error', message: 'The upstream provider failed.' },
  upstream_unavailable: { status: 503, type: 'api_error', message: 'No upstream provider is available.' },
  upstream_timeout: { status: 504, type: 'api_error', message: 'The upstream provider timed out.' },
  shutting_down: { status: 503, type: 'server_error', message: 'The gateway is shutting down.' },
  storage_unavailable: { status: 503, type: 'server_error', message: 'A storage dependency is unavailable.' },
  internal_error: { status: 500, type: 'server_error', message: 'Internal gateway error.' },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof errorCodes
