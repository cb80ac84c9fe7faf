import { countTokens } from 'gpt-tokenizer'
import type { ChatRequest } from '../call/chat.js'
import type { CallRecord } from '../call/record.js'
import type { NormalizedUsage } from './cost.js'

/** Tokens OpenAI's chat format adds per message and to prime the reply (cookbook "counting tokens" figures). */
const PER_MESSAGE = 3
const REPLY_PRIMING = 3

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let out = ''
  for (const p of content) if (p && typeof p === 'object' && 'text' in p && typeof p.text === 'string') out += p.text
  return out
}

/** Prompt tokens of a chat request with the o200k_base tokenizer (messages, names, tool calls and tool definitions). */
function countPromptTokens(req: ChatRequest): number {
  let n = REPLY_PRIMING
  for (const m of req.messages) {
    n += PER_MESSAGE + countTokens(m.role) + countTokens(textOf((m as { content?: unknown }).content))
    const name = (m as { name?: unknown }).name
    if (typeof name === 'string') n += 1 + countTokens(name)
    const calls = (m as { tool_calls?: Array<{ function: { name: string; arguments: string } }> }).tool_calls
    if (calls) for (const c of calls) n += countTokens(c.function.name) + countTokens(c.function.arguments)
  }
  if (req.tools) n += countTokens(JSON.stringify(req.tools))
  return n
}

/**
 * Usage for a call whose provider reported none: a real tokenizer over the prompt and the text that was
 * sent back. Images, audio and cached or reasoning tokens are not visible here; the row says `usage_estimated`.
 */
function estimateUsage(req: ChatRequest, completion: string): NormalizedUsage {
  return { prompt: countPromptTokens(req), completion: countTokens(completion), cached: 0, reasoning: 0 }
}

/** The provider's usage when it sent one; otherwise the tokenizer's estimate, and the row says so. */
export function usageOrEstimate(record: CallRecord, reported: NormalizedUsage | null, req: ChatRequest, completion: () => string): NormalizedUsage {
  if (reported) return reported
  record.usageEstimated = true
  return estimateUsage(req, completion())
}

/** Text of a non-streamed answer that counts as completion tokens: contents and tool-call arguments. */
export function completionText(choices: ReadonlyArray<{ message: { content?: unknown; tool_calls?: ReadonlyArray<{ function?: { name?: string; arguments?: string } }> | null | undefined } }>): string {
  let out = ''
  for (const c of choices) {
    out += textOf(c.message.content)
    for (const t of c.message.tool_calls ?? []) out += (t.function?.name ?? '') + (t.function?.arguments ?? '')
  }
  return out
}
