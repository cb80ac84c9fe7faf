import type { FinishReason, Usage } from '../../call/chat-result.js'
import type { AnthropicUsage } from './wire.js'

/** Anthropic usage in OpenAI's meaning: prompt = input + cache read + cache creation; cached = cache read. */
export function toOpenAIUsage(u: AnthropicUsage): Usage {
  const cacheRead = u.cache_read_input_tokens ?? 0
  const prompt = (u.input_tokens ?? 0) + cacheRead + (u.cache_creation_input_tokens ?? 0)
  const completion = u.output_tokens ?? 0
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cacheRead } }
}

/** `stop_reason` to `finish_reason`. A forced JSON tool is an ordinary stop to the client. */
export function finishReason(stop: string | null | undefined, jsonTool: boolean): FinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return jsonTool ? 'stop' : 'tool_calls'
    case 'refusal':
      return 'content_filter'
    default:
      return 'stop' // end_turn, stop_sequence, pause_turn
  }
}
