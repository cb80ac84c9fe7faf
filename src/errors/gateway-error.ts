import { errorCodes, type ErrorCode, type OpenAIErrorType } from './codes.js'

export interface GatewayErrorOptions {
  param?: string | null
  /** Overrides the table's status, e.g. to pass an upstream 4xx through unchanged. */
  status?: number
  /** Overrides the table's type, e.g. an upstream's own error type. */
  type?: OpenAIErrorType | string
  /** Whether the failed upstream call may be retried on this or another target. */
  retryable?: boolean
  /** Whether another target may serve the request after this failure (defaults to `retryable`). */
  fallback?: boolean
  /** Milliseconds the upstream asked us to wait (retry-after). */
  retryAfterMs?: number
  headers?: Record<string, string>
  /** The upstream HTTP status behind this error, when there was one. */
  upstreamStatus?: number
  cause?: unknown
}

export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly type: string
  readonly param: string | null
  readonly retryable: boolean
  readonly fallback: boolean
  readonly retryAfterMs: number | undefined
  readonly headers: Record<string, string>
  readonly upstreamStatus: number | undefined

  constructor(code: ErrorCode, message?: string, opts: GatewayErrorOptions = {}) {
    const spec = errorCodes[code]
    super(message ?? spec.message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'GatewayError'
    this.code = code
    this.status = opts.status ?? spec.status
    this.type = opts.type ?? spec.type
    this.param = opts.param ?? null
    this.retryable = opts.retryable ?? false
    this.fallback = opts.fallback ?? this.retryable
    this.retryAfterMs = opts.retryAfterMs
    this.headers = opts.headers ?? {}
    this.upstreamStatus = opts.upstreamStatus
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError
}

/** Any thrown value as a GatewayError; unknown failures become internal_error without leaking details. */
export function asGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err
  return new GatewayError('internal_error', undefined, { cause: err })
}
