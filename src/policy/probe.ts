import { estimateEmbeddingTokens, estimatePromptTokens } from '../usage/estimate.js'
import type { ChatRequest } from '../call/chat.js'
import type { HasFeature } from './schema.js'
import type { PolicyInput } from './types.js'

/** Content conditions look at no more than this many characters per scope (the start and the end of long text). */
const CONTENT_SCAN_LIMIT = 64 * 1024

/** Text of one message's content: strings as is, arrays as their text parts joined by newlines. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let out = ''
  for (const p of content) {
    if (p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string') {
      out = out === '' ? (p as { text: string }).text : `${out}\n${(p as { text: string }).text}`
      if (out.length > CONTENT_SCAN_LIMIT) break
    }
  }
  return out
}

/** Keeps long text bounded: its head and tail (instructions usually sit at one end). */
function bounded(text: string): string {
  if (text.length <= CONTENT_SCAN_LIMIT) return text
  const half = CONTENT_SCAN_LIMIT / 2
  return `${text.slice(0, half)}\n${text.slice(text.length - half)}`
}

const isChat = (r: PolicyInput['request']): r is ChatRequest => Array.isArray((r as { messages?: unknown }).messages)

/**
 * Per-evaluation view of a request. Facts that cost something (text to scan, token estimate) are
 * computed on first use and only once, whichever rules ask.
 */
export class Probe {
  private lastUser: string | undefined
  private all: string | undefined
  private tokens: number | undefined
  private lastUserLow: string | undefined
  private allLow: string | undefined

  constructor(readonly input: PolicyInput) {}

  lastUserText(): string {
    if (this.lastUser !== undefined) return this.lastUser
    const req = this.input.request
    let text = ''
    if (isChat(req)) {
      for (let i = req.messages.length - 1; i >= 0; i--) {
        const m = req.messages[i]!
        if (m.role === 'user') {
          text = contentText(m.content)
          break
        }
      }
    } else text = this.allText()
    this.lastUser = bounded(text)
    return this.lastUser
  }

  allText(): string {
    if (this.all !== undefined) return this.all
    const req = this.input.request
    let text = ''
    if (isChat(req)) {
      for (const m of req.messages) {
        const t = contentText((m as { content?: unknown }).content)
        if (t !== '') text = text === '' ? t : `${text}\n${t}`
        if (text.length > 2 * CONTENT_SCAN_LIMIT) break
      }
    } else {
      const input = (req as { input?: unknown }).input
      if (typeof input === 'string') text = input
      else if (Array.isArray(input)) text = input.filter((x): x is string => typeof x === 'string').join('\n')
    }
    this.all = bounded(text)
    return this.all
  }

  /** Lowercased text of a scope, for case-insensitive literal search. */
  lower(scope: 'last_user' | 'all'): string {
    if (scope === 'all') return (this.allLow ??= this.allText().toLowerCase())
    return (this.lastUserLow ??= this.lastUserText().toLowerCase())
  }

  text(scope: 'last_user' | 'all'): string {
    return scope === 'all' ? this.allText() : this.lastUserText()
  }

  promptTokens(): number {
    if (this.tokens !== undefined) return this.tokens
    const req = this.input.request
    this.tokens = isChat(req) ? estimatePromptTokens(req) : estimateEmbeddingTokens(req)
    return this.tokens
  }

  has(feature: HasFeature): boolean {
    const req = this.input.request
    if (!isChat(req)) return false
    switch (feature) {
      case 'tools':
        return Array.isArray(req.tools) && req.tools.length > 0
      case 'json_schema':
        return req.response_format?.type === 'json_schema'
      case 'images':
        for (const m of req.messages) {
          if (m.role === 'user' && Array.isArray(m.content)) for (const p of m.content) if (p.type === 'image_url') return true
        }
        return false
    }
  }

  header(name: string): string | undefined {
    const v = this.input.headers[name]
    return Array.isArray(v) ? v[0] : v
  }
}
