import type { ProviderAdapter } from '../types.js'
import { chatRequest, embeddingsRequest } from './request.js'
import { chatResponse, embeddingsResponse } from './response.js'
import { createChatStream } from './stream.js'
import { mapError } from './errors.js'

/** OpenAI and every OpenAI-compatible server (vLLM, Ollama, Groq, Together, Mistral, ...). */
export const openaiAdapter: ProviderAdapter = {
  type: 'openai',
  chatRequest,
  chatResponse,
  createChatStream,
  mapError,
  embeddingsRequest,
  embeddingsResponse,
}
