import type { ProviderConfig, ProviderType } from '../config/schema.js'
import type { GatewayError } from '../errors/gateway-error.js'
import type { ChatRequest } from '../call/chat.js'
import type { ChatCompletion, StreamOut, WireFormat } from '../call/chat-result.js'
import type { EmbeddingsRequest, EmbeddingsResponse } from '../call/embeddings.js'
import type { SseEvent } from './shared/sse-decoder.js'

/** One concrete upstream choice: a configured provider account and an upstream model name. */
export interface Target {
  /** Provider name in config (`openai`, `anthropic`, ...). */
  readonly provider: string
  readonly model: string
  readonly config: ProviderConfig
  /** Requests and tokens per minute this target takes, fleet-wide (from the logical model's target entry). */
  readonly limits?: { readonly rpm?: number | undefined; readonly tpm?: number | undefined } | undefined
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
  /** The codec for a client wire format this provider (as configured) speaks natively, if any. */
  native?(format: WireFormat, config: ProviderConfig): NativeCodec | undefined
  embeddingsResponse?(text: string, ctx: AdapterContext): ParsedResponse<EmbeddingsResponse>
}

/** The client's own request, in a wire format some providers also speak (see WireFormat). */
export interface NativeRequest {
  format: WireFormat
  /** The client's body, as decoded JSON. */
  body: Record<string, unknown>
}

/**
 * How a provider speaks a client format natively: the request goes upstream as the client sent it
 * (the target's model, and what the stages changed, where the format can say it), the answer comes
 * back as the provider sent it, and the gateway still reads usage and content from it.
 */
export interface NativeCodec {
  /** `req` is the gateway's request after context and policy (`set`), to merge what they changed. */
  request(native: NativeRequest, req: ChatRequest, ctx: AdapterContext): UpstreamRequest
  /** A whole answer: the gateway's completion (usage and content for audit, limits and sessions) and the text to send as it is. */
  response(text: string, ctx: AdapterContext): ParsedResponse<ChatCompletion>
  /** Stream events as `native` events of the format (with chunks where they carry the answer). */
  createStream(ctx: AdapterContext): StreamMapper
}
