import { GatewayError } from '../errors/gateway-error.js'
import { encodeChunk, encodeData, encodeError, DONE } from '../providers/shared/sse-encoder.js'
import { SseDecoder } from '../providers/shared/sse-decoder.js'
import { ClientCancelledError, type UpstreamResponse } from '../providers/shared/transport.js'
import type { StreamMapper, StreamOut } from '../providers/types.js'
import type { ChatCompletionChunk, Usage } from '../call/chat-result.js'

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

/**
 * Upstream bytes -> SSE events -> mapper -> normalized outputs: the one stream path for every
 * provider. Yields one batch per upstream read (everything that arrived together goes out together:
 * same latency, one socket write instead of one per event). Never yields an empty batch.
 */
export async function* mappedBatches(upstream: UpstreamResponse, mapper: StreamMapper, providerName: string): AsyncGenerator<StreamOut[]> {
  const decoder = new SseDecoder()
  const mapAll = (events: ReturnType<SseDecoder['push']>): StreamOut[] => {
    const outs: StreamOut[] = []
    for (const ev of events) for (const o of mapper.push(ev)) outs.push(o)
    return outs
  }
  for await (const bytes of upstream.body) {
    const outs = mapAll(decoder.push(bytes))
    if (outs.length > 0) yield outs
  }
  const tail = mapAll(decoder.end())
  for (const o of mapper.end()) tail.push(o)
  if (!mapper.complete && !tail.some((o) => o.kind === 'error')) {
    tail.push({ kind: 'error', error: new GatewayError('upstream_error', `${providerName}: the upstream stream ended before the answer was complete.`) })
  }
  if (tail.length > 0) yield tail
}

/**
 * Encodes normalized outputs as OpenAI SSE for the client, one string per batch. Strips the usage
 * chunk the gateway asked for when the client did not, records usage, turns any failure into an
 * error event before the end.
 */
export async function* encodeForClient(
  batches: AsyncIterator<StreamOut[]>,
  first: StreamOut[],
  opts: { clientWantsUsage: boolean; now: () => number },
  summary: StreamSummary,
): AsyncGenerator<string> {
  let batch: StreamOut[] | undefined = first
  try {
    while (batch !== undefined) {
      let text = ''
      for (const out of batch) {
        if (out.kind === 'error') {
          summary.error = out.error
          yield text + encodeError(out.error)
          return
        }
        text += encodeOut(out.chunk, out.raw, opts.clientWantsUsage, summary)
      }
      if (text !== '') {
        if (summary.firstByteMono === null) summary.firstByteMono = opts.now()
        yield text
      }
      const next = await batches.next()
      batch = next.done ? undefined : next.value
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
    await batches.return?.(undefined)
  }
}

function encodeOut(chunk: ChatCompletionChunk, raw: string | undefined, clientWantsUsage: boolean, summary: StreamSummary): string {
  const choice = chunk.choices[0]
  if (choice?.index === 0 && typeof choice.delta?.content === 'string') summary.content += choice.delta.content
  if (chunk.usage) {
    summary.usage = chunk.usage
    if (!clientWantsUsage) {
      if (chunk.choices.length === 0) return ''
      const { usage: _drop, ...rest } = chunk
      return encodeChunk(rest)
    }
  }
  return raw !== undefined ? encodeData(raw) : encodeChunk(chunk)
}
