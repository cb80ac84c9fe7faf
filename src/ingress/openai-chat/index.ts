import type { IngressDialect } from '../types.js'
import { renderOpenAIError } from '../openai-errors.js'

/** POST /v1/chat/completions: OpenAI Chat Completions, JSON or SSE. */
export const openaiChat: IngressDialect = { renderError: renderOpenAIError }
export { decodeChat } from './decode.js'
export { encodeChatCompletion, encodeChatStream } from './encode.js'
