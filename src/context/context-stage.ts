import type { SessionsConfig } from '../config/schema.js'
import { GatewayError } from '../errors/gateway-error.js'
import type { ContextStore } from '../ports/context-store.js'
import type { ChatMessage, ChatRequest } from '../call/chat.js'
import type { Call } from '../call/call.js'
import type { ContextStage } from '../stages/types.js'
import { applyTeamContext } from './team-context.js'
import { decodeTurns, encodeTurn, splitLeadingInstructions } from './session-turns.js'

const SESSION_HEADER = 'x-switchyard-session'
const SESSION_MODE_HEADER = 'x-switchyard-session-mode'
/** Response header: how many stored turns were prepended, or `unavailable` when the store failed. */
const SESSION_HISTORY_HEADER = 'x-switchyard-session-history'

interface ContextStageDeps {
  store: ContextStore
  sessions: () => SessionsConfig
  /** Called when the store fails (op: read | append), for the metric. */
  onStoreError?: (op: 'read' | 'append', err: unknown) => void
}

/** The store key of a session: scoped by team, so one team cannot read another's session by its id. */
export const sessionStoreKey = (teamId: string, sessionId: string): string => `${teamId}:${sessionId}`

interface Pending {
  session: string
  newMessages: ChatMessage[]
}

/**
 * Team context and continued sessions (ContextStage). prepare: team system prompt and defaults,
 * then, with `x-switchyard-session-mode: continue`, the session's stored turns (one store round
 * trip). remember: the client's new messages and the reply, appended atomically within the
 * configured bounds. When the store fails, sessions.on_store_error decides: `open` serves the
 * call without history (response header x-switchyard-session-history: unavailable), `closed`
 * answers 503 storage_unavailable.
 */
export class StoreContextStage implements ContextStage {
  private readonly pending = new WeakMap<Call, Pending>()

  constructor(private readonly deps: ContextStageDeps) {}

  async prepare(call: Call, req: ChatRequest): Promise<ChatRequest> {
    const sessionId = call.header(SESSION_HEADER)
    const mode = call.header(SESSION_MODE_HEADER)?.trim().toLowerCase()
    if (!sessionId || mode !== 'continue') return applyTeamContext(req, call.who.team)

    const session = sessionStoreKey(call.who.teamId, sessionId.slice(0, 200))
    const { head, rest } = splitLeadingInstructions(req.messages)
    this.pending.set(call, { session, newMessages: rest })
    let history: ChatMessage[] = []
    try {
      const { turns } = await this.deps.store.read([], session)
      history = decodeTurns(turns).flatMap((t) => t.messages)
      call.responseHeaders[SESSION_HISTORY_HEADER] = String(turns.length)
    } catch (err) {
      this.deps.onStoreError?.('read', err)
      if (this.deps.sessions().on_store_error === 'closed') throw new GatewayError('storage_unavailable', 'The session store is unavailable.')
      call.log.warn({ err: (err as Error).message }, 'session store unavailable: continuing without history')
      call.responseHeaders[SESSION_HISTORY_HEADER] = 'unavailable'
    }
    return applyTeamContext({ ...req, messages: [...head, ...history, ...rest] }, call.who.team)
  }

  async remember(call: Call, _req: ChatRequest, reply: { content: string }): Promise<void> {
    const p = this.pending.get(call)
    if (!p) return
    this.pending.delete(call)
    const cfg = this.deps.sessions()
    const r = call.record
    const turn = encodeTurn({
      messages: [...p.newMessages, { role: 'assistant', content: reply.content } as ChatMessage],
      servedBy: r.provider && r.model ? `${r.provider}/${r.model}` : null,
      at: new Date().toISOString(),
    })
    try {
      await this.deps.store.appendTurn(p.session, turn, { maxTurns: cfg.max_turns, maxTokens: cfg.max_tokens, ttlMs: cfg.ttl_s * 1000 })
    } catch (err) {
      this.deps.onStoreError?.('append', err)
      call.log.warn({ err: (err as Error).message }, 'session store unavailable: turn not stored')
    }
  }
}
