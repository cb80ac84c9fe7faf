import type { GatewayError } from '../errors/gateway-error.js'
import type { RenderedError } from './types.js'

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

/** OpenAI's error envelope, the dialect of every OpenAI ingress (chat, embeddings, models). */
export function toOpenAIError(err: GatewayError): OpenAIErrorBody {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } }
}

export const renderOpenAIError = (err: GatewayError): RenderedError => ({ status: err.status, headers: err.headers, body: JSON.stringify(toOpenAIError(err)) })
