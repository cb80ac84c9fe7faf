import type { ChatCompletionChunk, FinishReason } from '../../call/chat-result.js'
import type { SseEvent } from '../shared/sse-decoder.js'
import { malformedUpstream } from '../shared/upstream-errors.js'
import type { StreamOut } from '../../call/chat-result.js'
import type { AdapterContext, StreamMapper } from '../types.js'
import { streamError } from './errors.js'
import { finishReason, splitParts, toOpenAIUsage } from './response.js'
import type { GeminiResponse, GeminiUsage } from './wire.js'

type Delta = ChatCompletionChunk['choices'][number]['delta']

/**
 * streamGenerateContent?alt=sse to OpenAI chunks. Each event is a whole GenerateContentResponse
 * holding the next piece of each candidate: text parts become content deltas, function calls (which
 * Gemini sends whole) one tool_call delta with the full arguments. The stream is complete once every
 * candidate has a finishReason; the usage chunk follows at the end (usageMetadata is cumulative).
 */
export function createChatStream(ctx: AdapterContext): StreamMapper {
  let id: string | undefined
  let model = ctx.target.model
  const created = ctx.now()
  let usage: GeminiUsage | undefined
  let blocked = false
  const started = new Set<number>()
  const finished = new Set<number>()
  const toolCount = new Map<number, number>()

  const chunk = (index: number, delta: Delta, finish: FinishReason | null = null): StreamOut => ({
    kind: 'chunk',
    chunk: { id: id!, object: 'chat.completion.chunk', created, model, choices: [{ index, delta, finish_reason: finish, logprobs: null }] },
  })
  const complete = () => blocked || (started.size > 0 && finished.size === started.size)

  return {
    get complete() {
      return complete()
    },
    push(ev: SseEvent): StreamOut[] {
      if (ev.data === '' || ev.data === '[DONE]') return []
      let res: GeminiResponse & { error?: unknown }
      try {
        res = JSON.parse(ev.data)
      } catch {
        return [{ kind: 'error', error: malformedUpstream(ctx.target.provider, 'stream event') }]
      }
      if (res.error !== undefined) return [{ kind: 'error', error: streamError(res, ctx) }]
      id ??= res.responseId ?? ctx.newId()
      if (res.modelVersion) model = res.modelVersion
      if (res.usageMetadata) usage = res.usageMetadata
      const out: StreamOut[] = []
      const candidates = res.candidates ?? []
      if (candidates.length === 0 && res.promptFeedback?.blockReason && started.size === 0) {
        blocked = true
        return [chunk(0, { role: 'assistant', content: '' }), chunk(0, {}, 'content_filter')]
      }
      candidates.forEach((c, i) => {
        const index = c.index ?? i
        if (!started.has(index)) {
          started.add(index)
          out.push(chunk(index, { role: 'assistant', content: '' }))
        }
        const { text, calls } = splitParts(c.content?.parts, ctx.newId)
        if (text !== '') out.push(chunk(index, { content: text }))
        for (const call of calls) {
          const n = toolCount.get(index) ?? 0
          toolCount.set(index, n + 1)
          out.push(chunk(index, { tool_calls: [{ index: n, id: call.id, type: 'function', function: call.function }] }))
        }
        if (c.finishReason && !finished.has(index)) {
          finished.add(index)
          out.push(chunk(index, {}, finishReason(c.finishReason, (toolCount.get(index) ?? 0) > 0)))
        }
      })
      return out
    },
    end(): StreamOut[] {
      if (!complete() || !usage) return []
      return [{ kind: 'chunk', chunk: { id: id!, object: 'chat.completion.chunk', created, model, choices: [], usage: toOpenAIUsage(usage) } }]
    },
  }
}
