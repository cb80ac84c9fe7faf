import type { GatewayError } from '../errors/gateway-error.js'
import type { ToolCall } from './chat.js'

/**
 * The gateway's own result of a generation, whole (ChatCompletion) or as stream events
 * (ChatCompletionChunk): modelled on Chat Completions like the request (src/call/chat.ts). Provider
 * adapters produce these; each ingress encodes them for its client. Usage follows OpenAI's meaning:
 * prompt includes cached tokens, completion includes reasoning tokens.
 */

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

interface ChunkToolCallDelta {
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

/** A stream event of the gateway's own: a chunk (with `raw`, the upstream's JSON text of exactly this chunk, when it has it), or an error. */
export type StreamOut =
  | { kind: 'chunk'; chunk: ChatCompletionChunk; raw?: string }
  | { kind: 'error'; error: GatewayError }
