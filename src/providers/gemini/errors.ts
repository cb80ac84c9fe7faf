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
function geminiError(body: unknown): { message: string | undefined; status: string | undefined; code: number | undefined; keyInvalid: boolean; retryAfterMs: number | undefined } {
  const none = { message: undefined, status: undefined, code: undefined, keyInvalid: false, retryAfterMs: undefined }
  if (typeof body === 'string') return { ...none, message: body.slice(0, 500) || undefined }
  const b = (Array.isArray(body) ? body[0] : body) as Partial<GeminiErrorBody> | null
  const e = b?.error
  if (!e || typeof e !== 'object') return none
  const details = Array.isArray(e.details) ? e.details : []
  return {
    message: typeof e.message === 'string' ? e.message : undefined,
    status: typeof e.status === 'string' ? e.status : undefined,
    code: typeof e.code === 'number' ? e.code : undefined,
    keyInvalid: details.some((d) => d?.reason === 'API_KEY_INVALID'),
    retryAfterMs: retryDelayMs(details.find((d) => d?.['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay),
  }
}

/** A google.rpc.RetryInfo `retryDelay` (protobuf Duration in JSON: "30s", "1.5s") in milliseconds. */
function retryDelayMs(delay: unknown): number | undefined {
  const m = typeof delay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(delay.trim()) : null
  return m ? Math.round(Number(m[1]) * 1000) : undefined
}

export function mapError(status: number, body: unknown, headers: Readonly<Record<string, string | string[] | undefined>>, ctx: AdapterContext): GatewayError {
  const e = geminiError(body)
  // Gemini answers a bad API key with 400 INVALID_ARGUMENT: it is the gateway's credential, not the caller's request
  // a quota error says how long to wait in the body (RetryInfo), not in a retry-after header
  return upstreamHttpError(ctx.target.provider, e.keyInvalid ? 401 : status, e.message, headers, e.status, e.retryAfterMs)
}

/** An `error` object inside the stream, classified as if it had come with its HTTP status. */
export function streamError(body: unknown, ctx: AdapterContext): GatewayError {
  const e = geminiError(body)
  return upstreamHttpError(ctx.target.provider, e.code ?? statusForCode[e.status ?? ''] ?? 500, e.message, {}, e.status)
}
