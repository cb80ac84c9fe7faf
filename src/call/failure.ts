import { errorCodes } from '../errors/codes.js'
import { isGatewayError } from '../errors/gateway-error.js'
import { ClientCancelledError } from './cancel.js'
import type { CallRecord } from './record.js'

/** Records why a call failed, from any layer: the outcome comes from the error table. */
export function noteFailure(r: CallRecord, err: unknown): void {
  if (err instanceof ClientCancelledError) {
    r.outcome = 'client_cancelled'
    r.errorType = 'client_cancelled'
    return
  }
  if (isGatewayError(err)) {
    // an upstream's own 429 or 4xx is an upstream failure, not the gateway's limit or the caller's input
    r.outcome = err.upstreamStatus !== undefined && err.code !== 'upstream_timeout' ? 'upstream_error' : errorCodes[err.code].outcome
    r.errorType = err.code
    r.errorMessage = err.message.slice(0, 1000)
    return
  }
  r.outcome = 'upstream_error'
  r.errorType = 'internal_error'
}
