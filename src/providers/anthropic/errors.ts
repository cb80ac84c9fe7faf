import type { GatewayError } from '../../errors/gateway-error.js'
import { upstreamHttpError } from '../shared/upstream-errors.js'
import type { AdapterContext } from '../types.js'

/** Anthropic's error `type` and the HTTP status it comes with (used for errors that arrive inside a stream). */
const statusForErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
}

/** `{type:'error', error:{type, message}}` -> message and type; anything else -> text or nothing. */
function anthropicErrorMessage(body: unknown): { message: string | undefined; type: string | undefined } {
  if (typeof body === 'string') return { message: body.slice(0, 500) || undefined, type: undefined }
  const err = (body as { error?: { type?: unknown; message?: unknown } } | null)?.error
  if (err && typeof err === 'object') return { message: typeof err.message === 'string' ? err.message : undefined, type: typeof err.type === 'string' ? err.type : undefined }
  return { message: undefined, type: undefined }
}

export function mapError(status: number, body: unknown, headers: Readonly<Record<string, string | string[] | undefined>>, ctx: AdapterContext): GatewayError {
  const { message, type } = anthropicErrorMessage(body)
  return upstreamHttpError(ctx.target.provider, status, message, headers, type)
}

/** An `error` event in the middle of a stream, classified as if it had come with its HTTP status. */
export function streamError(body: unknown, ctx: AdapterContext): GatewayError {
  const { message, type } = anthropicErrorMessage(body)
  return upstreamHttpError(ctx.target.provider, statusForErrorType[type ?? ''] ?? 500, message, {}, type)
}
