import { GatewayError } from '../errors/gateway-error.js'

/**
 * Cancellation of a call, in one place. A call is cut either because the client went away (a plain
 * abort) or because the gateway ended it (a GatewayError reason, e.g. the shutdown deadline);
 * `clientLeft(signal)` tells the two apart, `abortError(signal)` gives the error to throw.
 *
 * CallSignal does what an AbortController did for a call, at a fraction of the cost: every call makes
 * one, but few are ever aborted, and an EventTarget with its listeners was a visible share of a call's
 * CPU. APIs that need a real AbortSignal get one from `asAbortSignal()`, made on first use.
 */
export class CallSignal {
  aborted = false
  reason: unknown = undefined
  private listeners: Array<() => void> | null = null
  private controller: AbortController | null = null

  abort(reason?: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason ?? new DOMException('This operation was aborted', 'AbortError')
    this.controller?.abort(this.reason)
    const listeners = this.listeners
    this.listeners = null
    if (listeners) for (const fn of listeners) fn()
  }

  /** Runs `fn` once, when the call is aborted (never, if it already was: check `aborted` first). */
  onAbort(fn: () => void): void {
    if (!this.aborted) (this.listeners ??= []).push(fn)
  }

  offAbort(fn: () => void): void {
    const listeners = this.listeners
    if (!listeners) return
    const i = listeners.indexOf(fn)
    if (i >= 0) listeners.splice(i, 1)
  }

  asAbortSignal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController()
      if (this.aborted) this.controller.abort(this.reason)
    }
    return this.controller.signal
  }
}

/** What readers of a call's signal may look at (a CallSignal, or a plain AbortSignal in tests). */
export interface AbortState {
  readonly aborted: boolean
  readonly reason: unknown
}

/** Thrown when the client's own abort ended the call's work. */
export class ClientCancelledError extends Error {
  constructor() {
    super('client cancelled')
    this.name = 'ClientCancelledError'
  }
}

/** Why a call's signal was aborted, as the error to throw (the gateway's reason, or the client leaving). */
export function abortError(signal: AbortState): Error {
  return signal.reason instanceof GatewayError ? signal.reason : new ClientCancelledError()
}

/** True when the signal was aborted because the client left (not because the gateway cut the call). */
export const clientLeft = (signal: AbortState): boolean => signal.aborted && !(signal.reason instanceof GatewayError)
