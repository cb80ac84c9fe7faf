import type { GatewayError } from '../errors/gateway-error.js'
import type { Call } from './call.js'

/** One in-flight call as GET /admin/inflight shows it. No secrets: ids, routing, age. */
interface InflightView {
  request_id: string
  endpoint: string
  team: string | null
  key_id: string | null
  session: string | null
  run_id: string | null
  step_id: string | null
  model: string | null
  provider: string | null
  upstream_model: string | null
  stream: boolean
  attempts: number
  started_at: string
  age_ms: number
}

/**
 * Every call between its first byte and its audit row, streams and in-process calls included
 * (fastify does not track hijacked replies). Graceful shutdown waits on it, then cuts what is left.
 */
export class InflightCalls {
  private readonly calls = new Set<Call>()
  private waiters: Array<() => void> = []

  constructor(private readonly mono: () => number) {}

  get size(): number {
    return this.calls.size
  }

  add(call: Call): void {
    this.calls.add(call)
  }

  /** The call's audit row has been handed off: it no longer holds up shutdown. */
  finish(call: Call): void {
    if (!this.calls.delete(call) || this.calls.size > 0) return
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** Resolves true once no call is in flight, or false when `timeoutMs` passes first. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.calls.size === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done)
        resolve(false)
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        resolve(true)
      }
      this.waiters.push(done)
    })
  }

  /** Cuts every call still in flight from the gateway's side; each ends with `reason` (an error event for streams). */
  cutAll(reason: GatewayError): number {
    const calls = [...this.calls]
    for (const c of calls) c.signal.abort(reason)
    return calls.length
  }

  list(): InflightView[] {
    const now = this.mono()
    return [...this.calls].map(({ record: r, startMono }) => ({
      request_id: r.requestId,
      endpoint: r.endpoint,
      team: r.teamId,
      key_id: r.keyId,
      session: r.sessionId,
      run_id: r.runId,
      step_id: r.stepId,
      model: r.requestedModel,
      provider: r.provider ?? r.attempts.at(-1)?.provider ?? null,
      upstream_model: r.model ?? r.attempts.at(-1)?.model ?? null,
      stream: r.stream,
      attempts: r.attempts.length,
      started_at: r.startedAt.toISOString(),
      age_ms: Math.round(now - startMono),
    }))
  }
}
