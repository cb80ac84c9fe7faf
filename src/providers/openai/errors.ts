import type { GatewayError } from '../../errors/gateway-error.js'
import { upstreamHttpError } from '../shared/upstream-errors.js'
import type { AdapterContext } from '../types.js'

interface OpenAIErrorShape {
  error?: { message?: string; type?: string; code?: string | null } | string
  message?: string
}

/** OpenAI-style error bodies (`{error:{message,type,code}}`), as OpenAI, vLLM, Ollama, Groq and others send them. */
export function openaiErrorMessage(body: unknown): { message: string | undefined; type: string | undefined } {
  if (typeof body === 'string') return { message: body.slice(0, 500) || undefined, type: undefined }
  const b = body as OpenAIErrorShape | null
  if (b && typeof b.error === 'object' && b.error) return { message: b.error.message, type: b.error.type ?? b.error.code ?? undefined }
  if (b && typeof b.error === 'string') return { message: b.error, type: undefined }
  return { message: b?.message, type: undefined }
}

export function mapError(status: number, body: unknown, headers: Readonly<Record<string, string | string[] | undefined>>, ctx: AdapterContext): GatewayError {
  const { message, type } = openaiErrorMessage(body)
  return upstreamHttpError(ctx.target.provider, status, message, headers, type)
}
