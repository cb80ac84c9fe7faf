import { Pool, type Dispatcher } from 'undici'
import { GatewayError } from '../../errors/gateway-error.js'
import type { UpstreamRequest } from '../types.js'
import { abortError, type AbortState, type CallSignal } from '../../call/cancel.js'
import { UpstreamExchange } from './upstream-exchange.js'

export interface ResolvedTimeouts {
  connect_ms: number
  first_byte_ms: number
  idle_ms: number
  total_ms: number
}

export interface UpstreamResponse {
  status: number
  headers: Readonly<Record<string, string | string[] | undefined>>
  body: AsyncIterable<Uint8Array>
  text(): Promise<string>
  /** Discard the rest of the body and release the connection. */
  dump(): Promise<void>
}

export interface SendOptions {
  /** Aborted when the client goes away. */
  signal: CallSignal
  timeouts: ResolvedTimeouts
}

/** Sends one upstream request. The undici implementation serves every HTTP provider; `demo` answers in-process. */
export interface Transport {
  send(req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse>
  close(): Promise<void>
}

const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])
const timeoutCodes: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  ETIMEDOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'first byte',
  UND_ERR_BODY_TIMEOUT: 'idle',
}

/** Abort reasons of the gateway's own per-attempt timers (undici's timers are coarse, ~0.5 s). */
const totalTimedOut = new Error('total timeout')
const firstByteTimedOut = new Error('first byte timeout')

/**
 * The one place transport failures become gateway errors, by `err.code` (as fastify-reply-from does).
 * `clientSignal` is the call's signal (client gone, or cut by the gateway); `attemptSignal` is the
 * attempt's own, aborted by its total and first-byte timers.
 */
function classifyTransportError(err: unknown, clientSignal: AbortState, attemptSignal?: { readonly reason: unknown }): Error {
  if (clientSignal.aborted) return abortError(clientSignal)
  // a target that hung is not asked again within the same call (the next target is): the wait was spent
  const timeout = (phase: string) => new GatewayError('upstream_timeout', `The upstream provider timed out (${phase}).`, { retryable: phase === 'connect', fallback: true, cause: err })
  if (attemptSignal?.reason === totalTimedOut) return new GatewayError('upstream_timeout', 'The upstream provider did not finish within the total timeout.', { retryable: false, fallback: true, cause: err })
  if (attemptSignal?.reason === firstByteTimedOut) return timeout('first byte')
  if (err instanceof GatewayError) return err
  const code = (err as { code?: string } | null)?.code ?? ''
  const phase = timeoutCodes[code]
  // a connect timeout reached no upstream at all: safe and cheap to try again
  if (phase) return timeout(phase)
  if (unavailableCodes.has(code)) return new GatewayError('upstream_unavailable', `The upstream provider is unreachable (${code}).`, { retryable: true, cause: err })
  return new GatewayError('upstream_error', 'The upstream connection failed.', { retryable: true, cause: err })
}

/** undici Pool per upstream origin, keep-alive, bodies streamed (see UpstreamExchange). */
export class UndiciTransport implements Transport {
  private readonly pools = new Map<string, Pool>()
  constructor(private readonly poolOptions: { connections?: number | null } = {}) {}

  private pool(origin: string, connectMs: number): Pool {
    const key = `${origin}|${connectMs}`
    let pool = this.pools.get(key)
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.poolOptions.connections ?? null,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout: connectMs },
      })
      this.pools.set(key, pool)
    }
    return pool
  }

  async send(req: UpstreamRequest, { signal, timeouts }: SendOptions): Promise<UpstreamResponse> {
    if (signal.aborted) throw abortError(signal)
    // the exchange is the attempt's abort point: the call's signal, the total timeout and the
    // first-byte timeout all cut it (plain timers: undici's own are coarse, about 0.5 s)
    const totalTimer = setTimeout(() => exchange.abort(totalTimedOut), timeouts.total_ms)
    totalTimer.unref()
    // first byte = the response headers, and for streams the first body bytes too (an SSE upstream
    // may send its headers at once and then hang); cleared when the reader first takes bytes
    let firstByteTimer: NodeJS.Timeout | undefined = setTimeout(() => exchange.abort(firstByteTimedOut), timeouts.first_byte_ms)
    firstByteTimer.unref()
    const firstByte = () => {
      if (firstByteTimer === undefined) return
      clearTimeout(firstByteTimer)
      firstByteTimer = undefined
    }
    const onClientAbort = () => exchange.abort(signal.reason as Error)
    const exchange: UpstreamExchange = new UpstreamExchange(
      (err) => classifyTransportError(err, signal, exchange),
      () => {
        clearTimeout(totalTimer)
        firstByte()
        signal.offAbort(onClientAbort)
      },
      firstByte,
    )
    signal.onAbort(onClientAbort)
    const response = exchange.response()
    try {
      this.pool(req.origin, timeouts.connect_ms).dispatch({
        method: req.method as Dispatcher.HttpMethod,
        path: req.path,
        headers: req.headers,
        body: req.body,
        headersTimeout: timeouts.first_byte_ms + 1000, // backstop: the gateway's own timer fires first
        bodyTimeout: timeouts.idle_ms,
      }, exchange)
    } catch (err) {
      exchange.onError(err as Error)
    }
    return response
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)))
    this.pools.clear()
  }
}
