import type { ChatCompletion, ChatCompletionChunk, StreamOut, WireFormat } from '../../call/chat-result.js'
import { DONE, encodeChunk, encodeData, encodeError } from './sse.js'

/** A whole answer as Chat Completions JSON: the text already rendered in this format when there is one. */
export const encodeChatCompletion = (completion: ChatCompletion, encoded: { format: WireFormat; text: string }): string => (encoded.format === 'openai-chat' ? encoded.text : JSON.stringify(completion))

/**
 * Stream events as Chat Completions SSE, one string per batch (everything that arrived together goes
 * out in one write). The usage chunk the gateway always asks for is dropped again when the client did
 * not ask for it; an error event ends the stream with OpenAI's error shape; `[DONE]` ends a complete one.
 */
export async function* encodeChatStream(events: AsyncIterable<StreamOut[]>, opts: { clientWantsUsage: boolean }): AsyncGenerator<string> {
  for await (const batch of events) {
    let text = ''
    for (const out of batch) {
      if (out.kind === 'error') {
        yield text + encodeError(out.error)
        return
      }
      if (out.kind === 'chunk') text += encodeOut(out.chunk, out.native?.format === 'openai-chat' ? out.native.data : undefined, opts.clientWantsUsage)
      else if (out.native.format === 'openai-chat') text += encodeData(out.native.data)
    }
    if (text !== '') yield text
  }
  yield DONE
}

function encodeOut(chunk: ChatCompletionChunk, raw: string | undefined, clientWantsUsage: boolean): string {
  if (chunk.usage && !clientWantsUsage) {
    if (chunk.choices.length === 0) return ''
    const { usage: _drop, ...rest } = chunk
    return encodeChunk(rest)
  }
  return raw !== undefined ? encodeData(raw) : encodeChunk(chunk)
}
