import type { ChatCompletion, FinishReason, Usage } from '../../call/chat-result.js'
import type { ToolCall } from '../../call/chat.js'
import { malformedUpstream } from '../shared/upstream-errors.js'
import type { AdapterContext, ParsedResponse } from '../types.js'
import { toolCallId } from './thought-signature.js'
import type { GeminiCandidate, GeminiPart, GeminiResponse, GeminiUsage } from './wire.js'

const filtered = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION'])

/** `finishReason` to `finish_reason`; STOP with function calls is `tool_calls`, as OpenAI reports it. */
export function finishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length'
  if (reason && filtered.has(reason)) return 'content_filter'
  return hasToolCalls ? 'tool_calls' : 'stop'
}

/** usageMetadata in OpenAI's meaning: completion = candidates + thoughts; reasoning = thoughts; cached = cachedContent. */
export function toOpenAIUsage(u: GeminiUsage): Usage {
  const prompt = u.promptTokenCount ?? 0
  const reasoning = u.thoughtsTokenCount ?? 0
  const completion = (u.candidatesTokenCount ?? 0) + reasoning
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoning },
  }
}

/** Visible text and function calls of a candidate's parts (thought summaries are not part of the answer). */
export function splitParts(parts: readonly GeminiPart[] | undefined, newId: () => string): { text: string; calls: ToolCall[] } {
  let text = ''
  const calls: ToolCall[] = []
  for (const p of parts ?? []) {
    if (p.thought) continue
    if (typeof p.text === 'string') text += p.text
    if (p.functionCall) calls.push({ id: toolCallId(p.functionCall.id ?? `call_${newId()}`, p.thoughtSignature), type: 'function', function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) } })
  }
  return { text, calls }
}

function toChoice(c: GeminiCandidate, i: number, ctx: AdapterContext): ChatCompletion['choices'][number] {
  const { text, calls } = splitParts(c.content?.parts, ctx.newId)
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text, refusal: null }
  if (calls.length > 0) message.tool_calls = calls
  return { index: c.index ?? i, message, finish_reason: finishReason(c.finishReason, calls.length > 0), logprobs: null }
}

function toChatCompletion(res: GeminiResponse, ctx: AdapterContext): ChatCompletion {
  const candidates = res.candidates ?? []
  const choices = candidates.length > 0
    ? candidates.map((c, i) => toChoice(c, i, ctx))
    // the prompt itself was blocked: no candidates, only promptFeedback
    : [{ index: 0, message: { role: 'assistant' as const, content: '', refusal: null }, finish_reason: (res.promptFeedback?.blockReason ? 'content_filter' : 'stop') as FinishReason, logprobs: null }]
  return {
    id: res.responseId ?? ctx.newId(),
    object: 'chat.completion',
    created: ctx.now(),
    model: res.modelVersion ?? ctx.target.model,
    choices,
    usage: toOpenAIUsage(res.usageMetadata ?? {}),
  }
}

export function chatResponse(text: string, ctx: AdapterContext): ParsedResponse<ChatCompletion> {
  let res: GeminiResponse
  try {
    res = JSON.parse(text) as GeminiResponse
  } catch {
    throw malformedUpstream(ctx.target.provider, 'JSON')
  }
  if (!res || typeof res !== 'object' || (res.candidates !== undefined && !Array.isArray(res.candidates))) throw malformedUpstream(ctx.target.provider, 'generateContent response')
  const value = toChatCompletion(res, ctx)
  return { value, text: JSON.stringify(value) }
}
