import type { TeamConfig } from '../config/schema.js'
import type { ChatMessage, ChatRequest } from '../call/chat.js'

/**
 * The team's context on a request: its system prompt first, then the client's messages; its
 * default parameters only where the client sent none (absent or null). Returns a new request.
 */
export function applyTeamContext(req: ChatRequest, team: TeamConfig): ChatRequest {
  const ctx = team.context
  if (!ctx) return req
  let out: ChatRequest = req
  if (ctx.system_prompt) out = { ...out, messages: [{ role: 'system', content: ctx.system_prompt } as ChatMessage, ...out.messages] }
  const defaults = ctx.defaults
  if (defaults) {
    const fill: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(defaults)) {
      if (k === 'model' || k === 'messages' || k === 'stream') continue // never defaulted: they define the call
      if ((out as Record<string, unknown>)[k] === undefined || (out as Record<string, unknown>)[k] === null) fill[k] = v
    }
    if (Object.keys(fill).length > 0) out = { ...out, ...fill }
  }
  return out
}
