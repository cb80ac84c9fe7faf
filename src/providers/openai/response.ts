import type { ChatCompletion } from '../../call/chat-result.js'
import type { EmbeddingsResponse } from '../../call/embeddings.js'
import { malformedUpstream } from '../shared/upstream-errors.js'
import type { AdapterContext, ParsedResponse } from '../types.js'

/** The upstream answer is already OpenAI's shape: parse it for usage, send its text unchanged. */
export function chatResponse(text: string, ctx: AdapterContext): ParsedResponse<ChatCompletion> {
  let value: ChatCompletion
  try {
    value = JSON.parse(text) as ChatCompletion
  } catch {
    throw malformedUpstream(ctx.target.provider, 'JSON')
  }
  if (!value || typeof value !== 'object' || !Array.isArray(value.choices)) throw malformedUpstream(ctx.target.provider, 'chat completion')
  return { value, text }
}

export function embeddingsResponse(text: string, ctx: AdapterContext): ParsedResponse<EmbeddingsResponse> {
  let value: EmbeddingsResponse
  try {
    value = JSON.parse(text) as EmbeddingsResponse
  } catch {
    throw malformedUpstream(ctx.target.provider, 'JSON')
  }
  if (!value || !Array.isArray(value.data)) throw malformedUpstream(ctx.target.provider, 'embeddings response')
  return { value, text }
}
