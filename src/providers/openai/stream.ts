import { GatewayError } from '../../errors/gateway-error.js'
import type { ChatCompletionChunk } from '../../call/chat-result.js'
import type { SseEvent } from '../shared/sse-decoder.js'
import { malformedUpstream } from '../shared/upstream-errors.js'
import type { StreamOut } from '../../call/chat-result.js'
import type { AdapterContext, StreamMapper } from '../types.js'
import { openaiErrorMessage } from './errors.js'

/** OpenAI chunks pass through byte for byte (their native event); `[DONE]` marks completion; an `error` event becomes an error. */
export function createChatStream(ctx: AdapterContext): StreamMapper {
  let complete = false
  return {
    get complete() {
      return complete
    },
    push(ev: SseEvent): StreamOut[] {
      if (ev.data === '[DONE]') {
        complete = true
        return []
      }
      if (ev.data === '') return []
      let parsed: ChatCompletionChunk & { error?: unknown }
      try {
        parsed = JSON.parse(ev.data)
      } catch {
        return [{ kind: 'error', error: malformedUpstream(ctx.target.provider, 'stream event') }]
      }
      if (parsed.error !== undefined || ev.event === 'error') {
        const { message } = openaiErrorMessage(parsed)
        return [{ kind: 'error', error: new GatewayError('upstream_error', `${ctx.target.provider}: ${message ?? 'stream error'}`) }]
      }
      return [{ kind: 'chunk', chunk: parsed, native: { format: 'openai-chat', data: ev.data } }]
    },
    end(): StreamOut[] {
      return []
    },
  }
}
