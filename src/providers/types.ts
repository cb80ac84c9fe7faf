import type { ProviderConfig, ProviderType } from '../config/schema.js'
import type { GatewayError } from '../errors/gateway-error.js'
import type { ChatRequest } from '../call/chat.js'
import type { ChatCompletion, StreamOut } from '../call/chat-result.js'
import type { EmbeddingsRequest, EmbeddingsResponse } from '../call/embeddings.js'
import type { SseEvent } from './shared/sse-decoder.js'

/** One concrete upstream choice: a configured provider account and an upstream model name. */
export interface Target {
  /** Provider name in config (`openai`, `anthropic`, ...). */
  readonly provider: string
  readonly model: string
  readonly config: ProviderConfig
}

/** A request ready for the transport. Built by adapters, sent by shared/transport.ts. */
export interface UpstreamRequest {
  origin: string
  path: string
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
}

/** What an adapter may know about the call. No I/O, no clock of its own, no logger. */
export interface AdapterContext {
  readonly target: Target
  readonly apiKey: string | undefined
  readonly stream: boolean
  /** Unix seconds, injected so mappers stay deterministic. */
  readonly now: () => number
  /** Id generator for responses that the upstream does not give one. */
  readonly newId: () => string
  /**
   * The client's JSON text, when the request going upstream is exactly what the client sent (no
   * team context, session history or policy `set` applied): an adapter that would send the same
   * JSON may send this text instead of serializing the request again.
   */
  readonly rawBody?: string | undefined
}

/** Per-stream state lives in the closure. `push` gets each decoded SSE event; `end` is called once the upstream closes. */
export interface StreamMapper {
  push(ev: SseEvent): StreamOut[]
  end(): StreamOut[]
  /** True once the upstream said the answer is complete (e.g. `[DONE]`, `message_stop`). */
  readonly complete: boolean
}

export interface ParsedResponse<T> {
  value: T
  /** The JSON text to send to the client. Pass-through adapters return the upstream's text unchanged. */
  text: string
}

export interface ProviderAdapter {
  readonly type: ProviderType
  chatRequest(req: ChatRequest, ctx: AdapterContext): UpstreamRequest
  chatResponse(text: string, ctx: AdapterContext): ParsedResponse<ChatCompletion>
  createChatStream(ctx: AdapterContext): StreamMapper
  /** Upstream error status and body (parsed JSON when it was JSON, else text) to a GatewayError. */
  mapError(status: number, body: unknown, headers: Readonly<Record<string, string | string[] | undefined>>, ctx: AdapterContext): GatewayError
  embeddingsRequest?(req: EmbeddingsRequest, ctx: AdapterContext): UpstreamRequest
  embeddingsResponse?(text: string, ctx: AdapterContext): ParsedResponse<EmbeddingsResponse>
}
