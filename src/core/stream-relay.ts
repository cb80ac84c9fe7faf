import { GatewayError } from '../errors/gateway-error.js'
import { encodeChunk, encodeData, encodeError, DONE } from '../providers/shared/sse-encoder.js'
import { SseDecoder } from '../providers/shared/sse-decoder.js'
import { ClientCancelledError, type UpstreamResponse } from '../providers/shared/transport.js'
import type { StreamMapper, StreamOut } from '../providers/types.js'
import type { ChatCompletionChunk, Usage } from '../schemas/openai/chat-response.js'

/** What a relayed stream learned, for audit, limits and sessions. */
export interface StreamSummary {
  usage: Usage | null
  /** The assistant text of choice 0, for session history. */
  content: string
  error: GatewayError | null
  /** The client went away before the end. */
  cancelled: boolean
  firstByteMono: number | null
}

/** Upstream bytes -> SSE events -> mapper -> normalized outputs. The one stream path for every provider. */
export async function* mappedEvents(upstream: UpstreamResponse, mapper: StreamMapper, providerName: string): AsyncGenerator<StreamOut> {
  const decoder = new SseDecoder()
  for await (const bytes of upstream.body) {
    for (const ev of decoder.push(bytes)) yield* mapper.push(ev)
  }
  for (const ev of decoder.end()) yield* mapper.push(ev)
  yield* mapper.end()
  if (!mapper.complete) {
    yield { kind: 'error', error: new GatewayError('upstream_error', `${providerName}: the upstream stream ended before the answer was complete.`) }
  }
}

/**
 * Encodes normalized outputs as OpenAI SSE for the client. Strips the usage chunk the gateway asked
 * for when the client did not, records usage, turns any failure into an error event before the end.
 */
export async function* encodeForClient(
  outs: AsyncIterator<StreamOut>,
  first: IteratorResult<StreamOut>,
  opts: { clientWantsUsage: boolean; now: () => number },
  summary: StreamSummary,
): AsyncGenerator<string> {
  let next: IteratorResult<StreamOut> = first
  try {
    while (!next.done) {
      const out = next.value
      if (out.kind === 'error') {
        summary.error = out.error
        yield encodeError(out.error)
        return
      }
      const text = encodeOut(out.chunk, out.raw, opts.clientWantsUsage, summary)
      if (text !== null) {
        if (summary.firstByteMono === null) summary.firstByteMono = opts.now()
        yield text
      }
      next = await outs.next()
    }
    yield DONE
  } catch (err) {
    if (err instanceof ClientCancelledError) {
      summary.cancelled = true
      return
    }
    const gwErr = err instanceof GatewayError ? err : new GatewayError('upstream_error', 'The upstream stream failed.', { cause: err })
    summary.error = gwErr
    yield encodeError(gwErr)
  } finally {
    // client gone or stream over: make sure the upstream body is released
    await outs.return?.(undefined)
  }
}

function encodeOut(chunk: ChatCompletionChunk, raw: string | undefined, clientWantsUsage: boolean, summary: StreamSummary): string | null {
  const choice = chunk.choices[0]
  if (choice?.index === 0 && typeof choice.delta?.content === 'string') summary.content += choice.delta.content
  if (chunk.usage) {
    summary.usage = chunk.usage
    if (!clientWantsUsage) {
      if (chunk.choices.length === 0) return null
      const { usage: _drop, ...rest } = chunk
      return encodeChunk(rest)
    }
  }
  return raw !== undefined ? encodeData(raw) : encodeChunk(chunk)
}
