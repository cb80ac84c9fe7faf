import type { ChatRequest } from '../../call/chat.js'
import type { EmbeddingsRequest } from '../../call/embeddings.js'
import { endpoint } from '../shared/endpoint.js'
import { openaiCompatible } from '../shared/reasoning.js'
import type { AdapterContext, UpstreamRequest } from '../types.js'

const DEFAULT_OPENAI_BASE = 'https://api.openai.com/v1'

function openaiHeaders(ctx: AdapterContext): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: ctx.stream ? 'text/event-stream' : 'application/json' }
  const extra = ctx.target.config.headers
  if (extra) Object.assign(headers, extra)
  if (ctx.apiKey) headers.authorization = `Bearer ${ctx.apiKey}`
  return headers
}

/**
 * The client's body goes through as it came (unknown fields kept), with the upstream model name,
 * and in streams a request for the usage chunk so every call has token counts. When nothing
 * changes, the client's own JSON text goes out.
 */
export function chatRequest(req: ChatRequest, ctx: AdapterContext): UpstreamRequest {
  // a copy only when something changes (often the logical model is named like the upstream one)
  let body: Record<string, unknown> = openaiCompatible(req)
  if (req.model !== ctx.target.model) body = { ...body, model: ctx.target.model }
  if (ctx.stream) body = { ...body, stream_options: { ...(req.stream_options ?? {}), include_usage: true } }
  const { origin, path } = endpoint(ctx.target.config.base_url ?? DEFAULT_OPENAI_BASE, '/chat/completions')
  return { origin, path, method: 'POST', headers: openaiHeaders(ctx), body: body === req && ctx.rawBody !== undefined ? ctx.rawBody : JSON.stringify(body) }
}

export function embeddingsRequest(req: EmbeddingsRequest, ctx: AdapterContext): UpstreamRequest {
  return {
    ...endpoint(ctx.target.config.base_url ?? DEFAULT_OPENAI_BASE, '/embeddings'),
    method: 'POST',
    headers: openaiHeaders(ctx),
    body: JSON.stringify({ ...req, model: ctx.target.model }),
  }
}
