import type { GatewayError } from '../errors/gateway-error.js'
import type { CallRecord } from './record.js'

interface Entry {
  record: CallRecord
  startMono: number
  /** Ends the call from the gateway's side: the upstream is aborted with `reason` as the error. */
  cut(reason: GatewayError): void
}

/** One in-flight call as GET /admin/inflight shows it. No secrets: ids, routing, age. */
export interface InflightView {
  request_id: string
  endpoint: string
  team: string | null
  key_id: string | null
  session: string | null
  model: string | null
  provider: string | null
  upstream_model: string | null
  stream: boolean
  attempts: number
  started_at: string
  age_ms: number
}

/**
 * Every client call between its first byte and its audit row, streams included (fastify does not
 * track hijacked replies). Graceful shutdown waits on it, then cuts what is left.
 */
export class InflightCalls {
  private readonly calls = new Map<CallRecord, Entry>()
  private waiters: Array<() => void> = []

  constructor(private readonly mono: () => number) {}

  get size(): number {
    return this.calls.size
  }

  add(record: CallRecord, startMono: number, cut: (reason: GatewayError) => void): void {
    this.calls.set(record, { record, startMono, cut })
  }

  /** The call's audit row has been handed off (finishCall): it no longer holds up shutdown. */
  finish(record: CallRecord): void {
    if (!this.calls.delete(record) || this.calls.size > 0) return
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

  /** Cuts every call still in flight; each ends with `reason` (an error event for streams). */
  cutAll(reason: GatewayError): number {
    const entries = [...this.calls.values()]
    for (const e of entries) e.cut(reason)
    return entries.length
  }

  list(): InflightView[] {
    const now = this.mono()
    return [...this.calls.values()].map(({ record: r, startMono }) => ({
      request_id: r.requestId,
      endpoint: r.endpoint,
      team: r.teamId,
      key_id: r.keyId,
      session: r.sessionId,
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
