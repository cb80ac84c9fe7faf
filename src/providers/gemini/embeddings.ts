import type { EmbeddingsRequest } from '../../call/embeddings.js'
import type { EmbeddingsResponse } from '../../call/embeddings.js'
import { unsupported } from '../shared/message-parts.js'
import { malformedUpstream } from '../shared/upstream-errors.js'
import type { AdapterContext, ParsedResponse, UpstreamRequest } from '../types.js'
import { geminiEndpoint, geminiHeaders } from './request.js'

/**
 * OpenAI embeddings to Gemini: one string -> `embedContent`, a list -> `batchEmbedContents`.
 * `dimensions` -> `outputDimensionality`. Token-id inputs cannot be sent (Gemini takes text only).
 */
export function embeddingsRequest(req: EmbeddingsRequest, ctx: AdapterContext): UpstreamRequest {
  const inputs = typeof req.input === 'string' ? [req.input] : req.input
  if (!inputs.every((x) => typeof x === 'string')) throw unsupported('gemini', 'embeddings input must be text; token arrays are not supported.', 'input')
  const model = `models/${ctx.target.model.replace(/^models\//, '')}`
  const one = (text: string) => ({ content: { parts: [{ text }] }, ...(req.dimensions ? { outputDimensionality: req.dimensions } : {}) })
  const single = typeof req.input === 'string'
  const body = single ? one(req.input as string) : { requests: (inputs as string[]).map((text) => ({ model, ...one(text) })) }
  return {
    ...geminiEndpoint({ ...ctx, stream: false }, single ? 'embedContent' : 'batchEmbedContents'),
    method: 'POST',
    headers: geminiHeaders({ ...ctx, stream: false }),
    body: JSON.stringify(body),
  }
}

interface GeminiEmbeddingsBody {
  embedding?: { values?: number[] }
  embeddings?: Array<{ values?: number[] }>
  usageMetadata?: { promptTokenCount?: number; totalTokenCount?: number }
}

/**
 * Gemini's vectors as OpenAI's list (floats; the gateway encodes base64 when the client asked).
 * Gemini reports no token counts for embeddings: usage is 0 here and the gateway estimates it.
 */
export function embeddingsResponse(text: string, ctx: AdapterContext): ParsedResponse<EmbeddingsResponse> {
  let body: GeminiEmbeddingsBody
  try {
    body = JSON.parse(text) as GeminiEmbeddingsBody
  } catch {
    throw malformedUpstream(ctx.target.provider, 'JSON')
  }
  const vectors = body?.embeddings ?? (body?.embedding ? [body.embedding] : null)
  if (!vectors || !vectors.every((v) => Array.isArray(v?.values))) throw malformedUpstream(ctx.target.provider, 'embeddings response')
  const prompt = body.usageMetadata?.promptTokenCount ?? 0
  const value: EmbeddingsResponse = {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: v.values! })),
    model: ctx.target.model,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  }
  return { value, text: JSON.stringify(value) }
}
