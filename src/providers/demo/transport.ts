import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Readable } from 'node:stream'
import type { SendOptions, Transport, UpstreamResponse } from '../shared/transport.js'
import { abortError } from '../../call/cancel.js'
import type { UpstreamRequest } from '../types.js'
import { demoChunks, demoCompletion } from './answer.js'

/**
 * Answers OpenAI-format requests in-process, so the whole gateway pipeline (policy, adapter,
 * stream mapping, audit) runs for real without any network provider.
 */
export class DemoTransport implements Transport {
  constructor(private readonly wordDelayMs = 15) {}

  async send(req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse> {
    if (opts.signal.aborted) throw abortError(opts.signal)
    const body = JSON.parse(req.body ?? '{}')
    if (!req.path.endsWith('/chat/completions')) {
      return jsonResponse(404, { error: { message: 'the demo provider only serves chat completions', type: 'invalid_request_error', code: null, param: null } })
    }
    const id = `chatcmpl-demo-${randomUUID().slice(0, 12)}`
    const created = Math.floor(Date.now() / 1000)
    if (!body.stream) return jsonResponse(200, demoCompletion(body, id, created))

    const chunks = demoChunks(body, id, created)
    const delay = this.wordDelayMs
    const signal = opts.signal.asAbortSignal()
    async function* events(): AsyncGenerator<Uint8Array> {
      for (const chunk of chunks) {
        if (signal.aborted) throw abortError(signal)
        if (chunk.choices.length === 0 && !body.stream_options?.include_usage) continue
        yield Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`)
        if (delay > 0 && chunk.choices.length > 0) await sleep(delay, undefined, { signal }).catch(() => undefined)
      }
      yield Buffer.from('data: [DONE]\n\n')
    }
    const stream = Readable.from(events(), { objectMode: false })
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: stream,
      text: async () => '',
      dump: async () => void stream.destroy(),
    }
  }

  async close(): Promise<void> {}
}

function jsonResponse(status: number, value: unknown): UpstreamResponse {
  const text = JSON.stringify(value)
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: Readable.from([Buffer.from(text)]),
    text: async () => text,
    dump: async () => undefined,
  }
}
