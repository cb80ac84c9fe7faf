import { GatewayError } from '../../errors/gateway-error.js'
import type { ChatMessage } from '../../call/chat.js'

/** OpenAI message content (string or parts) as plain text: text parts joined, other parts ignored. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('')
}

/** A tool call's `arguments` JSON as an object, or a 400 naming where it came from. */
export function parseToolArguments(args: string, param: string): Record<string, unknown> {
  if (args.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(args)
  } catch {
    throw new GatewayError('invalid_request', `Invalid value for '${param}': tool call arguments must be a JSON object.`, { param })
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('invalid_request', `Invalid value for '${param}': tool call arguments must be a JSON object.`, { param })
  }
  return value as Record<string, unknown>
}

/** tool_call_id -> function name, from every assistant message's tool_calls (providers that key tool results by name need it). */
export function toolNamesById(messages: readonly ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>()
  for (const m of messages) {
    if (m.role !== 'assistant') continue
    for (const c of m.tool_calls ?? []) names.set(c.id, c.function.name)
  }
  return names
}

/** A request feature the provider cannot serve: 400, and another target may try. */
export function unsupported(provider: string, what: string, param: string | null = null): GatewayError {
  return new GatewayError('invalid_request', `${provider}: ${what}`, { param, fallback: true })
}

/** Float embeddings as OpenAI's base64 encoding: little-endian float32. */
export function floatsToBase64(values: readonly number[]): string {
  const buf = Buffer.alloc(values.length * 4)
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4))
  return buf.toString('base64')
}
