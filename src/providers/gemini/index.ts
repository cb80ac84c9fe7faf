import type { ProviderAdapter } from '../types.js'
import { embeddingsRequest, embeddingsResponse } from './embeddings.js'
import { mapError } from './errors.js'
import { chatRequest } from './request.js'
import { chatResponse } from './response.js'
import { createChatStream } from './stream.js'

/** Google Gemini API (`type: gemini`): generateContent, streamGenerateContent?alt=sse, embedContent. */
export const geminiAdapter: ProviderAdapter = {
  type: 'gemini',
  chatRequest,
  chatResponse,
  createChatStream,
  mapError,
  embeddingsRequest,
  embeddingsResponse,
}
