import type { ServerResponse } from 'node:http'
import { once } from 'node:events'
import { clientLeft, type AbortState } from '../call/cancel.js'

/**
 * Writes an SSE body to the raw response with backpressure: when the socket's buffer is full we
 * wait for `drain`, which also pauses reading from the upstream. Stops at once if the client leaves.
 */
export async function pipeSse(res: ServerResponse, headers: Record<string, string | number | string[]>, body: AsyncIterable<string>, signal: AbortState): Promise<void> {
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' })
  const iterator = body[Symbol.asyncIterator]()
  try {
    for (;;) {
      const next = await iterator.next()
      if (next.done) break
      if (clientLeft(signal) || res.destroyed) break // a call the gateway cut still sends its error event
      if (!res.write(next.value)) {
        await Promise.race([once(res, 'drain'), once(res, 'close')])
      }
    }
  } finally {
    await iterator.return?.(undefined)
    if (!res.destroyed) res.end()
  }
}
