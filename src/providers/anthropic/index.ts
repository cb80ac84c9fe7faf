import type { ProviderAdapter } from '../types.js'
import { mapError } from './errors.js'
import { chatRequest } from './request.js'
import { chatResponse } from './response.js'
import { createChatStream } from './stream.js'

/** Anthropic Messages API (`type: anthropic`). No embeddings endpoint. */
export const anthropicAdapter: ProviderAdapter = {
  type: 'anthropic',
  chatRequest,
  chatResponse,
  createChatStream,
  mapError,
}
