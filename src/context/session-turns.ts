import type { ChatMessage } from '../ingress/openai-chat/schema.js'
import type { StoredTurn } from '../ports/context-store.js'

/** One stored exchange of a session: the client's new messages and the reply, with who served it. */
export interface SessionTurn {
  messages: ChatMessage[]
  /** provider/model that produced the reply. */
  servedBy: string | null
  at: string
}

function messageChars(m: ChatMessage): number {
  const c = (m as { content?: unknown }).content
  if (typeof c === 'string') return c.length
  if (Array.isArray(c)) return c.reduce((n: number, p) => n + (p && typeof p === 'object' && 'text' in p && typeof p.text === 'string' ? p.text.length : 0), 0)
  return 0
}

/** About four characters a token plus a few per message: the same estimate limits and policy use. */
export const estimateTokens = (messages: readonly ChatMessage[]): number => messages.reduce((n, m) => n + Math.ceil(messageChars(m) / 4) + 4, 0)

export function encodeTurn(turn: SessionTurn): StoredTurn {
  return { tokens: estimateTokens(turn.messages), data: JSON.stringify(turn) }
}

/** Stored turns back to exchanges; an entry that does not parse is skipped, not fatal. */
export function decodeTurns(stored: readonly StoredTurn[]): SessionTurn[] {
  const out: SessionTurn[] = []
  for (const s of stored) {
    try {
      const t = JSON.parse(s.data) as SessionTurn
      if (Array.isArray(t.messages)) out.push(t)
    } catch {
      // skip a damaged entry
    }
  }
  return out
}

const isInstruction = (m: ChatMessage) => m.role === 'system' || m.role === 'developer'

/** The client's leading system/developer messages stay first; the history goes between them and the rest. */
export function splitLeadingInstructions(messages: readonly ChatMessage[]): { head: ChatMessage[]; rest: ChatMessage[] } {
  let i = 0
  while (i < messages.length && isInstruction(messages[i]!)) i++
  return { head: messages.slice(0, i), rest: messages.slice(i) }
}
