/** The OpenAI response objects the gateway emits (normalized internal form = OpenAI's). */
export interface ToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number }
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number; accepted_prediction_tokens?: number; rejected_prediction_tokens?: number }
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call'

export interface ChatCompletion {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  system_fingerprint?: string | null
  choices: Array<{
    index: number
    message: { role: 'assistant'; content: string | null; refusal: string | null; tool_calls?: ToolCall[]; annotations?: unknown[] }
    finish_reason: FinishReason | null
    logprobs: unknown | null
  }>
  usage?: Usage
  service_tier?: string | null
}

export interface ChunkToolCallDelta {
  index: number
  id?: string
  type?: 'function'
  function?: { name?: string; arguments?: string }
}

export interface ChatCompletionChunk {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  system_fingerprint?: string | null
  choices: Array<{
    index: number
    delta: { role?: 'assistant'; content?: string | null; refusal?: string | null; tool_calls?: ChunkToolCallDelta[] }
    finish_reason: FinishReason | null
    logprobs?: unknown | null
  }>
  usage?: Usage | null
  service_tier?: string | null
}

export interface EmbeddingsResponse {
  object: 'list'
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
}
