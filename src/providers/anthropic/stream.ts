import type { ChatCompletionChunk, FinishReason } from '../../call/chat-result.js'
import type { SseEvent } from '../shared/sse-decoder.js'
import { malformedUpstream } from '../shared/upstream-errors.js'
import type { StreamOut } from '../../call/chat-result.js'
import type { AdapterContext, StreamMapper } from '../types.js'
import { streamError } from './errors.js'
import { isJsonTool, JSON_VALUE_TOOL, jsonToolContent } from './json-mode.js'
import { finishReason, toOpenAIUsage } from './usage.js'
import type { AnthropicBlock, AnthropicUsage } from './wire.js'

type Delta = ChatCompletionChunk['choices'][number]['delta']

/** What a content block index stands for in the OpenAI stream. */
type BlockState =
  | { kind: 'text' }
  | { kind: 'tool'; toolIndex: number }
  | { kind: 'json' } // forced JSON tool: its input streams as content
  | { kind: 'json-value'; buffer: string } // wrapped JSON value: unwrapped once complete
  | { kind: 'ignored' } // thinking, redacted_thinking, server tool blocks

interface StreamEvent {
  type?: string
  message?: { id?: string; model?: string; usage?: AnthropicUsage }
  index?: number
  content_block?: AnthropicBlock
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null }
  usage?: AnthropicUsage
  error?: unknown
}

/**
 * Messages API stream events to OpenAI chunks: message_start -> role chunk; text_delta -> content;
 * tool_use start -> tool call header (id, name), input_json_delta -> incremental arguments;
 * message_delta -> finish_reason; message_stop -> usage chunk and completion; error -> error output.
 * ping, content_block_stop and thinking deltas produce nothing.
 */
export function createChatStream(ctx: AdapterContext): StreamMapper {
  let complete = false
  let id = ctx.newId()
  let model = ctx.target.model
  const created = ctx.now()
  let usage: AnthropicUsage = {}
  let sawJsonTool = false
  let toolCount = 0
  const blocks = new Map<number, BlockState>()

  const chunk = (delta: Delta, finish: FinishReason | null = null): StreamOut => ({
    kind: 'chunk',
    chunk: { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] },
  })

  function start(index: number, block: AnthropicBlock | undefined): StreamOut[] {
    if (block?.type === 'text') {
      blocks.set(index, { kind: 'text' })
      return block.text ? [chunk({ content: block.text })] : []
    }
    if (block?.type === 'tool_use') {
      if (isJsonTool(block.name)) {
        sawJsonTool = true
        blocks.set(index, block.name === JSON_VALUE_TOOL ? { kind: 'json-value', buffer: '' } : { kind: 'json' })
        return []
      }
      const toolIndex = toolCount++
      blocks.set(index, { kind: 'tool', toolIndex })
      return [chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] })]
    }
    blocks.set(index, { kind: 'ignored' })
    return []
  }

  function delta(index: number, d: StreamEvent['delta']): StreamOut[] {
    const state = blocks.get(index)
    if (!state || !d) return []
    if (d.type === 'text_delta' && state.kind === 'text' && d.text) return [chunk({ content: d.text })]
    if (d.type !== 'input_json_delta' || !d.partial_json) return []
    if (state.kind === 'tool') return [chunk({ tool_calls: [{ index: state.toolIndex, function: { arguments: d.partial_json } }] })]
    if (state.kind === 'json') return [chunk({ content: d.partial_json })]
    if (state.kind === 'json-value') state.buffer += d.partial_json
    return []
  }

  function stop(index: number): StreamOut[] {
    const state = blocks.get(index)
    if (state?.kind !== 'json-value') return []
    let input: unknown = {}
    try {
      input = JSON.parse(state.buffer || '{}')
    } catch {
      return [{ kind: 'error', error: malformedUpstream(ctx.target.provider, 'tool input') }]
    }
    return [chunk({ content: jsonToolContent(JSON_VALUE_TOOL, input) })]
  }

  const mergeUsage = (u: AnthropicUsage | undefined) => {
    if (!u) return
    for (const [k, v] of Object.entries(u)) if (typeof v === 'number') (usage as Record<string, number>)[k] = v
  }

  return {
    get complete() {
      return complete
    },
    push(ev: SseEvent): StreamOut[] {
      if (ev.data === '') return []
      let e: StreamEvent
      try {
        e = JSON.parse(ev.data) as StreamEvent
      } catch {
        return [{ kind: 'error', error: malformedUpstream(ctx.target.provider, 'stream event') }]
      }
      switch (e.type ?? ev.event) {
        case 'message_start':
          if (e.message?.id) id = e.message.id
          if (e.message?.model) model = e.message.model
          mergeUsage(e.message?.usage)
          return [chunk({ role: 'assistant', content: '' })]
        case 'content_block_start':
          return start(e.index ?? 0, e.content_block)
        case 'content_block_delta':
          return delta(e.index ?? 0, e.delta)
        case 'content_block_stop':
          return stop(e.index ?? 0)
        case 'message_delta':
          mergeUsage(e.usage)
          return e.delta?.stop_reason ? [chunk({}, finishReason(e.delta.stop_reason, sawJsonTool))] : []
        case 'message_stop':
          complete = true
          return [{ kind: 'chunk', chunk: { id, object: 'chat.completion.chunk', created, model, choices: [], usage: toOpenAIUsage(usage) } }]
        case 'error':
          return [{ kind: 'error', error: streamError(e, ctx) }]
        default:
          return [] // ping and event types added later
      }
    },
    end(): StreamOut[] {
      return []
    },
  }
}
