import type { GatewayError } from '../errors/gateway-error.js'
import type { ReasoningPart, ToolCall } from './chat.js'

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
    message: {
      role: 'assistant'
      content: string | null
      refusal: string | null
      tool_calls?: ToolCall[]
      annotations?: unknown[]
      /** Readable reasoning, as OpenAI-compatible servers (vLLM, DeepSeek) name it. */
      reasoning_content?: string | undefined
      /** The reasoning with what the provider needs to see it again (signatures, encrypted parts): a gateway extension. */
      reasoning?: ReasoningPart[] | undefined
    }
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
    delta: {
      role?: 'assistant'
      content?: string | null
      refusal?: string | null
      tool_calls?: ChunkToolCallDelta[]
      /** Readable reasoning text, as OpenAI-compatible servers (vLLM, DeepSeek) stream it. */
      reasoning_content?: string | undefined
      /** The end of a reasoning part: its signature or encrypted form (a gateway extension). */
      reasoning_signature?: string | undefined
      reasoning_encrypted?: string | undefined
    }
    finish_reason: FinishReason | null
    logprobs?: unknown | null
  }>
  usage?: Usage | null
  service_tier?: string | null
}

/**
 * The client APIs whose wire format a provider may also speak: when a call's client and its target
 * share one, the upstream's own bytes can reach the client as they are (`NativeEvent`).
 */
export type WireFormat = 'openai-chat' | 'openai-responses' | 'anthropic-messages'

/** One upstream stream event as the upstream sent it (SSE `event:` name and `data:` text), in a client format. */
export interface NativeEvent {
  format: WireFormat
  event?: string | undefined
  data: string
}

/**
 * A stream event of the gateway's own. `chunk`: a piece of the answer, with the upstream's own event
 * when it is exactly this chunk in a client format. `native`: an upstream event with no chunk of its
 * own (a ping, a signature), which only an ingress of that format forwards; it may carry usage or text
 * for the audit. `error`: the stream failed (always the last event).
 */
export type StreamOut =
  | { kind: 'chunk'; chunk: ChatCompletionChunk; native?: NativeEvent }
  | { kind: 'native'; native: NativeEvent; usage?: Usage | undefined; text?: string | undefined }
  | { kind: 'error'; error: GatewayError }
