import type { ChatRequest } from '../../call/chat.js'
import { endpoint, splitBaseUrl } from '../shared/endpoint.js'
import { unsupported } from '../shared/message-parts.js'
import type { AdapterContext, UpstreamRequest } from '../types.js'
import { isJsonTool, jsonModeTool } from './json-mode.js'
import { toAnthropicMessages } from './messages.js'
import type { AnthropicRequest, AnthropicTool, AnthropicToolChoice } from './wire.js'

const DEFAULT_ANTHROPIC_BASE = 'https://api.anthropic.com'
const DEFAULT_ANTHROPIC_VERSION = '2023-06-01'
/** Anthropic requires max_tokens; used when neither the client nor the provider config sets one. */
const DEFAULT_MAX_TOKENS = 4096

function anthropicHeaders(ctx: AdapterContext): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: ctx.stream ? 'text/event-stream' : 'application/json',
    'anthropic-version': ctx.target.config.api_version ?? DEFAULT_ANTHROPIC_VERSION,
    ...ctx.target.config.headers,
  }
  if (ctx.apiKey) headers['x-api-key'] = ctx.apiKey
  return headers
}

/**
 * An OpenAI chat request as a Messages API body. Only fields Anthropic accepts are written: OpenAI-only
 * parameters (presence/frequency penalties, seed, logprobs, metadata, ...) are not forwarded, since the
 * API rejects unknown fields; `n` > 1 and audio input are refused with a 400.
 */
export function toAnthropicRequest(req: ChatRequest, ctx: AdapterContext): AnthropicRequest {
  if (req.n != null && req.n > 1) throw unsupported('anthropic', '`n` greater than 1 is not supported.', 'n')
  const { system, messages } = toAnthropicMessages(req.messages)
  const body: AnthropicRequest = {
    model: ctx.target.model,
    messages,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? ctx.target.config.default_max_tokens ?? DEFAULT_MAX_TOKENS,
  }
  if (system !== undefined) body.system = system
  if (req.stop != null) body.stop_sequences = typeof req.stop === 'string' ? [req.stop] : req.stop
  if (req.temperature != null) body.temperature = req.temperature
  if (req.top_p != null) body.top_p = req.top_p
  if (req.user) body.metadata = { user_id: req.user }
  if (ctx.stream) body.stream = true

  const tools: AnthropicTool[] = (req.tools ?? []).map((t, i) => {
    if (isJsonTool(t.function.name)) throw unsupported('anthropic', `the tool name "${t.function.name}" is reserved by the gateway.`, `tools[${i}].function.name`)
    const tool: AnthropicTool = { name: t.function.name, input_schema: t.function.parameters ?? { type: 'object', properties: {} } }
    if (t.function.description) tool.description = t.function.description
    return tool
  })
  let choice = toolChoice(req)
  const json = jsonModeTool(req.response_format)
  if (json) {
    tools.push(json.tool)
    // the answer must come as the forced tool's input
    choice = { type: 'tool', name: json.tool.name, disable_parallel_tool_use: true }
  }
  if (tools.length > 0) body.tools = tools
  if (choice && tools.length > 0) body.tool_choice = choice
  return body
}

function toolChoice(req: ChatRequest): AnthropicToolChoice | undefined {
  const noParallel = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {}
  const c = req.tool_choice
  if (c === undefined) return req.parallel_tool_calls === false ? { type: 'auto', ...noParallel } : undefined
  if (c === 'none') return { type: 'none' }
  if (c === 'auto') return { type: 'auto', ...noParallel }
  if (c === 'required') return { type: 'any', ...noParallel }
  return { type: 'tool', name: c.function.name, ...noParallel }
}

export function chatRequest(req: ChatRequest, ctx: AdapterContext): UpstreamRequest {
  const base = ctx.target.config.base_url ?? DEFAULT_ANTHROPIC_BASE
  // `https://api.anthropic.com` and `https://api.anthropic.com/v1` both mean the same API
  const path = /\/v1$/.test(splitBaseUrl(base).prefix) ? '/messages' : '/v1/messages'
  return {
    ...endpoint(base, path),
    method: 'POST',
    headers: anthropicHeaders(ctx),
    body: JSON.stringify(toAnthropicRequest(req, ctx)),
  }
}
