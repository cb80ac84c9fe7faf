import type { EmbeddingsRequest, EmbeddingsResponse } from '../../call/embeddings.js'
import { parseBody } from '../../errors/parse-body.js'
import { floatsToBase64 } from '../../providers/shared/message-parts.js'
import { renderOpenAIError } from '../openai-errors.js'
import type { IngressDialect } from '../types.js'
import { embeddingsRequestSchema } from './schema.js'

/** POST /v1/embeddings: OpenAI's embeddings API. */
export const openaiEmbeddings: IngressDialect = { renderError: renderOpenAIError }

export const decodeEmbeddings = (body: unknown): EmbeddingsRequest => parseBody(embeddingsRequestSchema, body)

/**
 * The answer as OpenAI JSON, in the encoding the client asked for: providers that only return floats
 * (Gemini) still answer `encoding_format: base64` (the openai SDK's default). The upstream's own text
 * goes out when it already is the answer.
 */
export function encodeEmbeddings(res: EmbeddingsResponse, text: string, req: EmbeddingsRequest): string {
  if (req.encoding_format !== 'base64' || !res.data.some((d) => Array.isArray(d.embedding))) return text
  const data = res.data.map((d) => ({ ...d, embedding: Array.isArray(d.embedding) ? floatsToBase64(d.embedding) : d.embedding }))
  return JSON.stringify({ ...res, data })
}
