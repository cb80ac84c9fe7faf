import type { Dispatcher } from 'undici'
import { util } from 'undici'
import type { UpstreamResponse } from './transport.js'

/** Body bytes held for a slow reader before the upstream socket is paused (streams only). */
const HIGH_WATER_BYTES = 64 * 1024

type Head = { resolve(res: UpstreamResponse): void; reject(err: unknown): void }

/**
 * One upstream request as an undici dispatch handler. undici's `request()` wraps every response in
 * a Node Readable inside an AsyncResource; a gateway reads each body once, whole (JSON) or chunk by
 * chunk (SSE), so this handler keeps the chunks itself: the response object resolves at the headers,
 * `text()` at the end, and the async iterator hands out chunks as they come, pausing the socket when
 * the reader falls `HIGH_WATER_BYTES` behind (backpressure to the upstream).
 *
 * `abort(reason)` cuts the request at any point (client gone, gateway timers); undici then destroys
 * the socket and reports `reason` through onError. `classify` turns transport failures into gateway
 * errors; `settled` runs once, at the end or failure of the exchange.
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler {
  aborted = false
  reason: unknown = undefined

  private cut: ((err: Error) => void) | null = null
  private resumeSocket: (() => void) | null = null
  private head: Head | null = null
  private chunks: Buffer[] = []
  private queued = 0
  private paused = false
  private ended = false
  private failure: Error | null = null
  private wake: (() => void) | null = null
  /** text() or dump() was called: no backpressure, the whole body is wanted (or dropped). */
  private whole = false
  private discard = false

  constructor(
    private readonly classify: (err: unknown) => Error,
    private readonly settled: () => void,
    /** The first response bytes reached the reader (clears the first-byte timer). */
    private readonly firstByte: () => void,
  ) {}

  /** The response, once its headers are in. */
  response(): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      this.head = { resolve, reject }
    })
  }

  abort(reason: Error): void {
    if (this.aborted || this.ended) return
    this.aborted = true
    this.reason = reason
    if (this.cut) this.cut(reason)
  }

  // --- undici handler ----------------------------------------------------------------------------
  onConnect(abort: (err?: Error) => void): void {
    if (this.aborted) abort(this.reason as Error)
    else this.cut = abort
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true // 1xx: informational
    this.resumeSocket = resume
    const head = this.head
    this.head = null
    head?.resolve(new ExchangeResponse(this, statusCode, rawHeaders))
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.discard) return true
    this.chunks.push(chunk)
    this.queued += chunk.length
    this.notify()
    if (this.whole || this.queued < HIGH_WATER_BYTES) return true
    this.paused = true
    return false
  }

  onComplete(): void {
    this.ended = true
    this.settled()
    this.notify()
  }

  onError(err: Error): void {
    if (this.ended) return
    this.ended = true
    this.failure = this.classify(err)
    this.settled()
    const head = this.head
    this.head = null
    head?.reject(this.failure)
    this.notify()
  }

  // --- reader side ---------------------------------------------------------------------------------
  private notify(): void {
    const w = this.wake
    if (w) {
      this.wake = null
      w()
    }
  }

  private waitForMore(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve
    })
  }

  private resume(): void {
    if (this.paused) {
      this.paused = false
      this.resumeSocket?.()
    }
  }

  /** @internal (ExchangeResponse) */
  async text(): Promise<string> {
    this.firstByte() // a whole answer follows its headers: the idle timeout covers the rest
    this.whole = true
    this.resume()
    while (!this.ended) await this.waitForMore()
    if (this.failure) throw this.failure
    const chunks = this.chunks
    this.chunks = []
    return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')
  }

  /** @internal (ExchangeResponse) */
  async dump(): Promise<void> {
    this.discard = true
    this.chunks = []
    this.resume()
    while (!this.ended) await this.waitForMore()
  }

  /** @internal (ExchangeResponse) */
  iterator(): AsyncIterator<Uint8Array> {
    let i = 0
    const next = async (): Promise<IteratorResult<Uint8Array>> => {
      for (;;) {
        if (i < this.chunks.length) {
          const chunk = this.chunks[i++]!
          if (i === this.chunks.length) {
            // the reader has caught up: drop the handed-out chunks and let the socket flow again
            this.chunks = []
            this.queued = 0
            i = 0
            this.resume()
          }
          this.firstByte()
          return { value: chunk, done: false }
        }
        if (this.failure) throw this.failure
        if (this.ended) return { value: undefined, done: true }
        await this.waitForMore()
      }
    }
    return {
      next,
      // the reader stopped early (client gone, error downstream): release the socket at once
      return: async () => {
        this.abort(new Error('response body abandoned'))
        this.chunks = []
        return { value: undefined, done: true }
      },
    }
  }
}

/** The response side of an exchange; its headers are parsed on first read (a successful answer's seldom are). */
class ExchangeResponse implements UpstreamResponse {
  private parsed: UpstreamResponse['headers'] | undefined
  readonly body: AsyncIterable<Uint8Array>

  constructor(
    private readonly exchange: UpstreamExchange,
    readonly status: number,
    private readonly rawHeaders: Buffer[],
  ) {
    this.body = { [Symbol.asyncIterator]: () => exchange.iterator() }
  }

  get headers(): UpstreamResponse['headers'] {
    return (this.parsed ??= util.parseHeaders(this.rawHeaders) as UpstreamResponse['headers'])
  }

  text(): Promise<string> {
    return this.exchange.text()
  }

  dump(): Promise<void> {
    return this.exchange.dump()
  }
}
