import { GatewayError, type GatewayErrorOptions } from '../../errors/gateway-error.js'

/** Statuses worth another attempt: timeouts, rate limits, transient server errors, Anthropic's 529 overloaded. */
const retryableStatuses: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504, 529])

/** `retry-after` (seconds or HTTP date) or `retry-after-ms`, in milliseconds. */
function retryAfterMs(headers: Readonly<Record<string, string | string[] | undefined>>, nowMs: number = Date.now()): number | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)
  const ms = first(headers['retry-after-ms'])
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms))
  const ra = first(headers['retry-after'])
  if (ra === undefined || ra.trim() === '') return undefined
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000)
  const date = Date.parse(ra)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs)
}

/**
 * An upstream HTTP error as a GatewayError, the same way for every provider: adapters extract the
 * provider's message and type, this decides status, code and whether to retry or fall back.
 */
export function upstreamHttpError(
  provider: string,
  status: number,
  message: string | undefined,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  upstreamType?: string,
  /** A wait the provider gave in its body rather than in headers (Gemini's RetryInfo). */
  bodyRetryAfterMs?: number,
): GatewayError {
  const retryAfter = retryAfterMs(headers) ?? bodyRetryAfterMs
  const err = classify(provider, status, message, retryAfter, upstreamType)
  // when this error reaches the client (no retry or fallback absorbed it), the upstream's wait goes with it
  const passOn = retryAfter !== undefined && (status === 429 || status === 503 || status === 529) ? { 'retry-after': String(Math.ceil(retryAfter / 1000)) } : undefined
  return new GatewayError(err.code, err.message, { ...err.opts, upstreamStatus: status, ...(passOn ? { headers: passOn } : {}) })
}

function classify(provider: string, status: number, message: string | undefined, retryAfter: number | undefined, upstreamType?: string): { code: ConstructorParameters<typeof GatewayError>[0]; message: string; opts: GatewayErrorOptions } {
  const text = `${provider}: ${message ?? `HTTP ${status}`}`
  const e = (code: ConstructorParameters<typeof GatewayError>[0], msg: string, opts: GatewayErrorOptions = {}) => ({ code, message: msg, opts })
  if (status === 400 || status === 422) return e('invalid_request', text, { status, type: 'invalid_request_error' })
  if (status === 404) return e('model_not_found', text, { fallback: true })
  if (status === 413) return e('request_too_large', text)
  if (status === 401 || status === 403) {
    // the provider refused the gateway's credentials: not the caller's fault, another target may serve
    return e('upstream_error', `${provider}: the provider refused the gateway's credentials (HTTP ${status})`, { fallback: true })
  }
  if (status === 429) {
    return e('rate_limit_exceeded', text, { retryable: true, retryAfterMs: retryAfter, type: upstreamType === 'insufficient_quota' ? 'insufficient_quota' : 'rate_limit_error' })
  }
  if (status === 408 || status === 504) return e('upstream_timeout', text, { retryable: true, retryAfterMs: retryAfter })
  if (status === 503 || status === 529) return e('upstream_unavailable', text, { retryable: true, retryAfterMs: retryAfter })
  if (status >= 500) return e('upstream_error', text, { retryable: retryableStatuses.has(status), fallback: true, retryAfterMs: retryAfter })
  return e('upstream_error', `${provider}: unexpected HTTP ${status}`, { fallback: true })
}

/** A body that is not the JSON the adapter expected. */
export const malformedUpstream = (provider: string, what: string): GatewayError =>
  new GatewayError('upstream_error', `${provider}: malformed ${what} from the upstream`, { fallback: true })
