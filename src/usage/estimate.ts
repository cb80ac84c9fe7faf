import type { ChatMessage, ChatRequest } from '../call/chat.js'
import type { EmbeddingsRequest } from '../call/embeddings.js'

/**
 * The gateway's one quick token estimate: about four characters a token, plus a few tokens per
 * message. Limits, policy (`prompt_tokens`), session bounds and the embeddings fallback all use it;
 * audit rows use a real tokenizer when a provider reports no usage (tokenize.ts).
 */
const CHARS_PER_TOKEN = 4
const PER_MESSAGE = 4

/** Characters of text in message content (a string, or the text of its parts). */
function contentChars(content: unknown): number {
  if (typeof content === 'string') return content.length
  let n = 0
  if (Array.isArray(content)) for (const p of content) if (p && typeof p === 'object' && 'text' in p && typeof p.text === 'string') n += p.text.length
  return n
}

/** Tokens for `chars` characters of text spread over `messages` messages. */
const estimateTokens = (chars: number, messages = 0): number => Math.ceil(chars / CHARS_PER_TOKEN) + messages * PER_MESSAGE

export function estimateMessagesTokens(messages: readonly ChatMessage[], extraChars = 0): number {
  let chars = extraChars
  for (const m of messages) chars += contentChars((m as { content?: unknown }).content)
  return estimateTokens(chars, messages.length)
}

/** A generation request's prompt: message text and tool definitions. */
export const estimatePromptTokens = (req: ChatRequest): number => estimateMessagesTokens(req.messages, req.tools ? JSON.stringify(req.tools).length : 0)

/** An embeddings request's input (token-id inputs count one per id). */
export function estimateEmbeddingTokens(req: EmbeddingsRequest): number {
  const input = req.input
  if (typeof input === 'string') return estimateTokens(input.length)
  if (typeof input[0] !== 'string') return (input as unknown[]).flat().length
  return (input as string[]).reduce((n, s) => n + estimateTokens(s.length), 0)
}
