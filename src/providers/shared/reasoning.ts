import type { AssistantMessage, ChatMessage, ChatRequest } from '../../call/chat.js'

/** A token budget as OpenAI's reasoning effort (the thresholds follow Anthropic's documented budget ranges). */
export function effortForBudget(budget: number): 'low' | 'medium' | 'high' {
  return budget < 4096 ? 'low' : budget < 16384 ? 'medium' : 'high'
}

/** OpenAI's reasoning effort as a token budget, for providers that take one. */
export function budgetForEffort(effort: string): number | undefined {
  switch (effort) {
    case 'minimal': return 1024
    case 'low': return 2048
    case 'medium': return 8192
    case 'high': return 24576
    default: return undefined
  }
}

const withoutReasoning = (m: AssistantMessage): ChatMessage => {
  const { reasoning: _drop, ...rest } = m
  return rest as ChatMessage
}

/**
 * The request as an OpenAI-compatible server takes it: the gateway's own fields left out (a budget
 * becomes `reasoning_effort` when none is set), and reasoning parts of earlier turns dropped (such
 * servers neither take nor need them). The same object when there is nothing to change.
 */
export function openaiCompatible(req: ChatRequest): ChatRequest {
  let out = req
  if (req.reasoning_budget_tokens !== undefined) {
    const { reasoning_budget_tokens: budget, ...rest } = req
    out = rest as ChatRequest
    if (out.reasoning_effort == null && budget > 0) out.reasoning_effort = effortForBudget(budget)
  }
  if (req.messages.some((m) => m.role === 'assistant' && m.reasoning !== undefined)) {
    out = { ...out, messages: req.messages.map((m) => (m.role === 'assistant' && m.reasoning !== undefined ? withoutReasoning(m) : m)) }
  }
  return out
}
