import type { GatewayError } from '../../errors/gateway-error.js'
import { upstreamHttpError } from '../shared/upstream-errors.js'
import type { AdapterContext } from '../types.js'
import type { GeminiErrorBody } from './wire.js'

/** Google's canonical status names and their HTTP status (for errors that arrive inside a stream). */
const statusForCode: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400, FAILED_PRECONDITION: 400, OUT_OF_RANGE: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403,
  NOT_FOUND: 404, RESOURCE_EXHAUSTED: 429, CANCELLED: 499, INTERNAL: 500, UNKNOWN: 500, UNAVAILABLE: 503, DEADLINE_EXCEEDED: 504,
}

/** `{error:{code, message, status, details}}` (or a one-element array of it, as streaming endpoints may send). */
export function geminiError(body: unknown): { message: string | undefined; status: string | undefined; code: number | undefined; keyInvalid: boolean } {
  if (typeof body === 'string') return { message: body.slice(0, 500) || undefined, status: undefined, code: undefined, keyInvalid: false }
  const b = (Array.isArray(body) ? body[0] : body) as Partial<GeminiErrorBody> | null
  const e = b?.error
  if (!e || typeof e !== 'object') return { message: undefined, status: undefined, code: undefined, keyInvalid: false }
  return {
    message: typeof e.message === 'string' ? e.message : undefined,
    status: typeof e.status === 'string' ? e.status : undefined,
    code: typeof e.code === 'number' ? e.code : undefined,
    keyInvalid: Array.isArray(e.details) && e.details.some((d) => d?.reason === 'API_KEY_INVALID'),
  }
}

export function mapError(status: number, body: unknown, headers: Readonly<Record<string, string | string[] | undefined>>, ctx: AdapterContext): GatewayError {
  const e = geminiError(body)
  // Gemini answers a bad API key with 400 INVALID_ARGUMENT: it is the gateway's credential, not the caller's request
  return upstreamHttpError(ctx.target.provider, e.keyInvalid ? 401 : status, e.message, headers, e.status)
}

/** An `error` object inside the stream, classified as if it had come with its HTTP status. */
export function streamError(body: unknown, ctx: AdapterContext): GatewayError {
  const e = geminiError(body)
  return upstreamHttpError(ctx.target.provider, e.code ?? statusForCode[e.status ?? ''] ?? 500, e.message, {}, e.status)
}
