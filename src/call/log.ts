import type { CallRecord } from './record.js'
import type { Principal } from '../identity/principal.js'
import type { CallSignal } from './cancel.js'

/** The minimal logger the core needs (pino's child loggers fit). */
export interface Log {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}

/** Per-request state handed from the HTTP layer to the core. No Fastify types here. */
export interface CallContext {
  readonly requestId: string
  readonly principal: Principal
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** Aborted when the client disconnects. */
  readonly signal: CallSignal
  readonly record: CallRecord
  /** Monotonic start time, ms. */
  readonly startMono: number
  readonly log: Log
  /** Headers to put on the response, whatever its outcome (rate-limit headers, routing headers). */
  readonly responseHeaders: Record<string, string>
}

export function headerValue(headers: CallContext['headers'], name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}
