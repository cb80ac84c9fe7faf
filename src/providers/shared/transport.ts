import { Pool, type Dispatcher } from 'undici'
import { GatewayError } from '../../errors/gateway-error.js'
import type { UpstreamRequest } from '../types.js'

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
  signal: AbortSignal
  timeouts: ResolvedTimeouts
}

/** Sends one upstream request. The undici implementation serves every HTTP provider; `demo` answers in-process. */
export interface Transport {
  send(req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse>
  close(): Promise<void>
}

/** Thrown when the client's own abort signal ended the upstream call. */
export class ClientCancelledError extends Error {
  constructor() {
    super('client cancelled')
    this.name = 'ClientCancelledError'
  }
}

/**
 * Why a call's signal was aborted, as the error to throw: the gateway cuts calls with a
 * GatewayError reason (shutdown); any other abort means the client went away.
 */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof GatewayError ? signal.reason : new ClientCancelledError()
}

/** True when the signal was aborted because the client left (not because the gateway cut the call). */
export const clientLeft = (signal: AbortSignal): boolean => signal.aborted && !(signal.reason instanceof GatewayError)

const unavailableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])
const timeoutCodes: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  ETIMEDOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'first byte',
  SY_FIRST_BYTE_TIMEOUT: 'first byte',
  UND_ERR_BODY_TIMEOUT: 'idle',
}

/** A first-byte deadline passed while waiting for a stream's first body bytes. */
class FirstByteTimeoutError extends Error {
  readonly code = 'SY_FIRST_BYTE_TIMEOUT'
}

/**
 * The one place transport failures become gateway errors, by `err.code` (as fastify-reply-from does).
 * `clientSignal` and `totalSignal` tell an abort by the client from the total timeout.
 */
export function classifyTransportError(err: unknown, clientSignal: AbortSignal, totalSignal?: AbortSignal): Error {
  if (clientSignal.aborted) return abortError(clientSignal)
  // a target that hung once is not asked again for this call (the next target is): the wait was already spent
  if (totalSignal?.aborted) return new GatewayError('upstream_timeout', 'The upstream provider did not finish within the total timeout.', { retryable: false, fallback: true, cause: err })
  if (err instanceof GatewayError) return err
  const code = (err as { code?: string } | null)?.code ?? ''
  const phase = timeoutCodes[code]
  // a connect timeout reached no upstream at all: safe and cheap to try again
  if (phase) return new GatewayError('upstream_timeout', `The upstream provider timed out (${phase}).`, { retryable: phase === 'connect', fallback: true, cause: err })
  if (unavailableCodes.has(code)) return new GatewayError('upstream_unavailable', `The upstream provider is unreachable (${code}).`, { retryable: true, cause: err })
  return new GatewayError('upstream_error', 'The upstream connection failed.', { retryable: true, cause: err })
}

const timedOut = new Error('total timeout')

/** undici Pool per upstream origin, keep-alive, bodies streamed. */
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
    const started = performance.now()
    // one controller per call, aborted by the client's signal or the total timeout
    // (cheaper than AbortSignal.any + AbortSignal.timeout on Node 20)
    const controller = new AbortController()
    const totalTimer = setTimeout(() => controller.abort(timedOut), timeouts.total_ms)
    totalTimer.unref()
    const onClientAbort = () => controller.abort(signal.reason)
    signal.addEventListener('abort', onClientAbort, { once: true })
    const release = () => {
      clearTimeout(totalTimer)
      signal.removeEventListener('abort', onClientAbort)
    }
    const total = { get aborted() { return controller.signal.reason === timedOut } } as AbortSignal
    const combined = controller.signal
    let res: Dispatcher.ResponseData
    try {
      res = await this.pool(req.origin, timeouts.connect_ms).request({
        method: req.method,
        path: req.path,
        headers: req.headers,
        body: req.body,
        signal: combined,
        headersTimeout: timeouts.first_byte_ms,
        bodyTimeout: timeouts.idle_ms,
      })
    } catch (err) {
      release()
      throw classifyTransportError(err, signal, total)
    }
    const body = res.body
    body.once('close', release)
    const firstByteDeadline = started + timeouts.first_byte_ms
    return {
      status: res.statusCode,
      headers: res.headers,
      body: mapBodyErrors(body, signal, total, firstByteDeadline),
      async text() {
        try {
          return await body.text()
        } catch (err) {
          throw classifyTransportError(err, signal, total)
        }
      },
      async dump() {
        await body.dump().catch(() => undefined)
      },
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)))
    this.pools.clear()
  }
}

/**
 * The body as an iterable whose failures are gateway errors. Until the first bytes arrive, the
 * first-byte deadline (counted from the request) applies: a stream whose headers came at once but
 * whose data never does is a hung upstream. Between later chunks undici's bodyTimeout (idle) applies.
 */
async function* mapBodyErrors(body: AsyncIterable<Uint8Array> & { destroy(err?: Error): unknown }, signal: AbortSignal, total: AbortSignal, firstByteDeadline: number): AsyncGenerator<Uint8Array> {
  let timer: NodeJS.Timeout | undefined = setTimeout(() => body.destroy(new FirstByteTimeoutError('first byte')), Math.max(0, firstByteDeadline - performance.now()))
  try {
    for await (const chunk of body) {
      if (timer) {
        clearTimeout(timer)
        timer = undefined
      }
      yield chunk
    }
  } catch (err) {
    throw classifyTransportError(err, signal, total)
  } finally {
    clearTimeout(timer)
    // reached on early return (client gone) too: release the socket at once
    body.destroy()
  }
}
