import type { ChatMessage } from '../call/chat.js'
import type { StoredTurn } from '../ports/context-store.js'
import { estimateMessagesTokens } from '../usage/estimate.js'

/** One stored exchange of a session: the client's new messages and the reply, with who served it. */
export interface SessionTurn {
  messages: ChatMessage[]
  /** provider/model that produced the reply. */
  servedBy: string | null
  at: string
}

export function encodeTurn(turn: SessionTurn): StoredTurn {
  return { tokens: estimateMessagesTokens(turn.messages), data: JSON.stringify(turn) }
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
