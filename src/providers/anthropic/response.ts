import type { ChatCompletion } from '../../call/chat-result.js'
import type { ToolCall } from '../../call/chat.js'
import { malformedUpstream } from '../shared/upstream-errors.js'
import type { AdapterContext, ParsedResponse } from '../types.js'
import { isJsonTool, jsonToolContent } from './json-mode.js'
import { finishReason, toOpenAIUsage } from './usage.js'
import type { AnthropicResponse } from './wire.js'

/** A Messages API response as an OpenAI chat completion: text blocks joined, tool_use blocks as tool_calls, thinking dropped. */
function toChatCompletion(msg: AnthropicResponse, ctx: AdapterContext): ChatCompletion {
  let text = ''
  let json = false
  const toolCalls: ToolCall[] = []
  for (const block of msg.content) {
    if (block.type === 'text') text += block.text
    else if (block.type === 'tool_use') {
      if (isJsonTool(block.name)) {
        text += jsonToolContent(block.name, block.input)
        json = true
      } else toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } })
    }
  }
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text, refusal: null }
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  return {
    id: msg.id,
    object: 'chat.completion',
    created: ctx.now(),
    model: msg.model ?? ctx.target.model,
    choices: [{ index: 0, message, finish_reason: finishReason(msg.stop_reason, json), logprobs: null }],
    usage: toOpenAIUsage(msg.usage ?? {}),
  }
}

export function chatResponse(text: string, ctx: AdapterContext): ParsedResponse<ChatCompletion> {
  let msg: AnthropicResponse
  try {
    msg = JSON.parse(text) as AnthropicResponse
  } catch {
    throw malformedUpstream(ctx.target.provider, 'JSON')
  }
  if (!msg || typeof msg !== 'object' || !Array.isArray(msg.content)) throw malformedUpstream(ctx.target.provider, 'message')
  const value = toChatCompletion(msg, ctx)
  return { value, text: JSON.stringify(value) }
}
