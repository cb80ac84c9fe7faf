import type { ChatRequest } from '../ingress/openai-chat/schema.js'

/** Characters of text a request carries (message contents, tool definitions), counted once and cheaply. */
export function requestChars(req: ChatRequest): number {
  let n = 0
  for (const m of req.messages) {
    const c = (m as { content?: unknown }).content
    if (typeof c === 'string') n += c.length
    else if (Array.isArray(c)) for (const p of c) if (p && typeof p === 'object' && 'text' in p && typeof p.text === 'string') n += p.text.length
  }
  if (req.tools) n += JSON.stringify(req.tools).length
  return n
}

/** A quick prompt-size estimate (about four characters a token) for limits and policy; audit uses a real tokenizer. */
export const estimatePromptTokens = (req: ChatRequest): number => Math.ceil(requestChars(req) / 4) + req.messages.length * 4
