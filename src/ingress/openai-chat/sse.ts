import type { GatewayError } from '../../errors/gateway-error.js'
import { toOpenAIError } from '../openai-errors.js'

/** OpenAI's SSE framing: one `data:` line per chunk, a blank line, and `data: [DONE]` at the end. */
export const encodeData = (json: string): string => `data: ${json}\n\n`
export const encodeChunk = (chunk: unknown): string => encodeData(JSON.stringify(chunk))
export const DONE = 'data: [DONE]\n\n'
/** A mid-stream failure: OpenAI SDKs raise an APIError for a data event holding `error`. */
export const encodeError = (err: GatewayError): string => encodeData(JSON.stringify(toOpenAIError(err)))
