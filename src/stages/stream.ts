import type { ChatCompletionChunk, StreamOut, Usage } from '../call/chat-result.js'
import { ClientCancelledError } from '../call/cancel.js'
import { GatewayError } from '../errors/gateway-error.js'
import { SseDecoder } from '../providers/shared/sse-decoder.js'
import type { UpstreamResponse } from '../providers/shared/transport.js'
import type { StreamMapper } from '../providers/types.js'

/** What a relayed stream learned, for audit, limits and sessions. */
export interface StreamSummary {
  usage: Usage | null
  /** The assistant text of choice 0, for session history and usage estimates. */
  content: string
  error: GatewayError | null
  firstByteMono: number | null
}

/**
 * Upstream bytes -> SSE events -> mapper -> the gateway's stream events: the one stream path for every
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

const hasContent = (batch: readonly StreamOut[]): boolean => batch.some((o) => (o.kind === 'chunk' && o.chunk.choices.length > 0) || (o.kind === 'native' && Boolean(o.text)))

function observe(chunk: ChatCompletionChunk, summary: StreamSummary): void {
  const choice = chunk.choices[0]
  if (choice?.index === 0 && typeof choice.delta?.content === 'string') summary.content += choice.delta.content
  if (chunk.usage) summary.usage = chunk.usage
}

/**
 * The stream an ingress encodes: the attempt's batches (the first already read), watched for usage,
 * content and the first byte; any failure becomes a final error event (never a silent end); once the
 * stream is over or its reader stops, the upstream is released and `settle` runs with what was learned.
 */
export async function* watchedStream(
  batches: AsyncIterator<StreamOut[]>,
  first: StreamOut[],
  now: () => number,
  settle: (summary: StreamSummary) => Promise<void>,
): AsyncGenerator<StreamOut[]> {
  const summary: StreamSummary = { usage: null, content: '', error: null, firstByteMono: null }
  let batch: StreamOut[] | undefined = first
  try {
    while (batch !== undefined) {
      const stop = batch.findIndex((o) => o.kind === 'error')
      const out = stop < 0 ? batch : batch.slice(0, stop + 1)
      for (const o of out) {
        if (o.kind === 'chunk') observe(o.chunk, summary)
        else if (o.kind === 'native') {
          if (o.usage) summary.usage = o.usage
          if (o.text) summary.content += o.text
        } else summary.error = o.error
      }
      if (summary.firstByteMono === null && hasContent(out)) summary.firstByteMono = now()
      yield out
      if (stop >= 0) return
      const next = await batches.next()
      batch = next.done ? undefined : next.value
    }
  } catch (err) {
    if (err instanceof ClientCancelledError) return
    const gwErr = err instanceof GatewayError ? err : new GatewayError('upstream_error', 'The upstream stream failed.', { cause: err })
    summary.error = gwErr
    yield [{ kind: 'error', error: gwErr }]
  } finally {
    // client gone or stream over: make sure the upstream body is released
    await batches.return?.(undefined)
    await settle(summary)
  }
}
