import type { ChatRequest } from '../../call/chat.js'
import { endpoint, splitBaseUrl } from '../shared/endpoint.js'
import type { AdapterContext, UpstreamRequest } from '../types.js'
import { toGeminiContents } from './contents.js'
import { toGeminiSchema } from './schema.js'
import type { GeminiRequest } from './wire.js'

const DEFAULT_GEMINI_BASE = 'https://generativelanguage.googleapis.com'

export function geminiHeaders(ctx: AdapterContext): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: ctx.stream ? 'text/event-stream' : 'application/json', ...ctx.target.config.headers }
  if (ctx.apiKey) headers['x-goog-api-key'] = ctx.apiKey
  return headers
}

/** `{base}/v1beta/models/{model}:{method}`; a base URL that already ends in an API version keeps it. */
export function geminiEndpoint(ctx: AdapterContext, method: string, query?: Record<string, string>): { origin: string; path: string } {
  const base = ctx.target.config.base_url ?? DEFAULT_GEMINI_BASE
  const versioned = /\/v1(alpha|beta)?\d*$/.test(splitBaseUrl(base).prefix)
  const model = ctx.target.model.replace(/^models\//, '')
  return endpoint(base, `${versioned ? '' : '/v1beta'}/models/${encodeURIComponent(model)}:${method}`, query)
}

/**
 * An OpenAI chat request as a generateContent body. Mapped: messages, tools, tool_choice, temperature,
 * top_p, max(_completion)_tokens, stop, n, penalties, seed, response_format. Not forwarded (no Gemini
 * equivalent): parallel_tool_calls, logprobs, user, metadata, reasoning_effort, service_tier.
 */
export function toGeminiRequest(req: ChatRequest, model = ''): GeminiRequest {
  const { system, contents } = toGeminiContents(req.messages, { requireSignatures: /gemini-3/.test(model) })
  const body: GeminiRequest = { contents }
  if (system !== undefined) body.systemInstruction = { parts: [{ text: system }] }

  if (req.tools && req.tools.length > 0) {
    body.tools = [{
      functionDeclarations: req.tools.map((t, i) => {
        const decl: { name: string; description?: string; parameters?: Record<string, unknown> } = { name: t.function.name }
        if (t.function.description) decl.description = t.function.description
        const params = t.function.parameters
        // Gemini rejects an OBJECT without properties: a function without arguments has no parameters
        if (params && !(params.type === 'object' && Object.keys((params.properties as object | undefined) ?? {}).length === 0)) decl.parameters = toGeminiSchema(params, `tools[${i}].function.parameters`)
        return decl
      }),
    }]
  }
  const c = req.tool_choice
  if (c !== undefined && body.tools) {
    body.toolConfig = { functionCallingConfig: c === 'none' ? { mode: 'NONE' } : c === 'auto' ? { mode: 'AUTO' } : c === 'required' ? { mode: 'ANY' } : { mode: 'ANY', allowedFunctionNames: [c.function.name] } }
  }

  const g: NonNullable<GeminiRequest['generationConfig']> = {}
  if (req.temperature != null) g.temperature = req.temperature
  if (req.top_p != null) g.topP = req.top_p
  const max = req.max_completion_tokens ?? req.max_tokens
  if (max != null) g.maxOutputTokens = max
  if (req.stop != null) g.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop
  if (req.n != null && req.n !== 1) g.candidateCount = req.n
  if (req.presence_penalty != null) g.presencePenalty = req.presence_penalty
  if (req.frequency_penalty != null) g.frequencyPenalty = req.frequency_penalty
  if (req.seed != null) g.seed = req.seed
  const f = req.response_format
  if (f?.type === 'json_object') g.responseMimeType = 'application/json'
  if (f?.type === 'json_schema') {
    g.responseMimeType = 'application/json'
    if (f.json_schema.schema) g.responseSchema = toGeminiSchema(f.json_schema.schema, 'response_format.json_schema.schema')
  }
  if (Object.keys(g).length > 0) body.generationConfig = g
  return body
}

export function chatRequest(req: ChatRequest, ctx: AdapterContext): UpstreamRequest {
  return {
    ...(ctx.stream ? geminiEndpoint(ctx, 'streamGenerateContent', { alt: 'sse' }) : geminiEndpoint(ctx, 'generateContent')),
    method: 'POST',
    headers: geminiHeaders(ctx),
    body: JSON.stringify(toGeminiRequest(req, ctx.target.model)),
  }
}
