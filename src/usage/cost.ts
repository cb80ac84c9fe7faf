import type { PricingTable } from '../config/schema.js'
import type { Usage } from '../call/chat-result.js'

/** Token counts in OpenAI's meaning: prompt includes cached, completion includes reasoning. */
export interface NormalizedUsage {
  prompt: number
  completion: number
  cached: number
  reasoning: number
}

export function normalizeUsage(u: Usage | null | undefined): NormalizedUsage | null {
  if (!u || typeof u.prompt_tokens !== 'number') return null
  return {
    prompt: u.prompt_tokens,
    completion: u.completion_tokens ?? 0,
    cached: u.prompt_tokens_details?.cached_tokens ?? 0,
    reasoning: u.completion_tokens_details?.reasoning_tokens ?? 0,
  }
}

/** USD for one call, from the pricing table (USD per 1M tokens); null when the target has no price. */
export function costUsd(pricing: PricingTable, provider: string, model: string, u: NormalizedUsage): number | null {
  const price = pricing[`${provider}/${model}`]
  if (!price) return null
  const cached = Math.min(u.cached, u.prompt)
  const reasoning = Math.min(u.reasoning, u.completion)
  const usd =
    (u.prompt - cached) * price.input +
    cached * (price.cached_input ?? price.input) +
    (u.completion - reasoning) * price.output +
    reasoning * (price.reasoning ?? price.output)
  return usd / 1_000_000
}
