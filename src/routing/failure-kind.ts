import type { GatewayError } from '../errors/gateway-error.js'

/** Upstream statuses that say "this request is wrong", not "this target is unwell". */
const requestFaultStatuses: ReadonlySet<number> = new Set([400, 413, 415, 422])

/**
 * Whether a failed attempt tells against the target's health. Transport failures, timeouts,
 * 5xx, 429 and refused credentials do; the caller's own bad input, and calls the gateway cut
 * (shutdown) or the client abandoned, do not.
 */
export function countsAgainstTarget(err: GatewayError): boolean {
  if (err.upstreamStatus !== undefined) return !requestFaultStatuses.has(err.upstreamStatus)
  return err.code === 'upstream_error' || err.code === 'upstream_unavailable' || err.code === 'upstream_timeout'
}
