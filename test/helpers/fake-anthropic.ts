import type { ServerResponse } from 'node:http'
import { z } from 'zod'
import { sendJson, sendSse, type FakeHandler, type ReceivedRequest } from './fake-upstream.js'
import { fixtureJson, fixtureText, sseFrames } from './fixtures.js'

/**
 * The request checks the real Messages API makes (per its published request schema): unknown fields
 * at any level are rejected, required fields checked, content blocks typed, tool results matched to
 * the tool_use blocks of the previous assistant turn. A failure answers 400 in Anthropic's shape.
 */
const text = z.strictObject({ type: z.literal('text'), text: z.string().min(1, 'text content blocks must be non-empty'), cache_control: z.unknown().optional() })
const source = z.union([
  z.strictObject({ type: z.literal('base64'), media_type: z.string(), data: z.string().min(1) }),
  z.strictObject({ type: z.literal('url'), url: z.url() }),
])
const block = z.discriminatedUnion('type', [
  text,
  z.strictObject({ type: z.literal('image'), source }),
  z.strictObject({ type: z.literal('document'), source }),
  z.strictObject({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()) }),
  z.strictObject({ type: z.literal('tool_result'), tool_use_id: z.string(), content: z.union([z.string(), z.array(text)]).optional(), is_error: z.boolean().optional() }),
])
const message = z.strictObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(block).min(1)]) })
const tool = z.strictObject({ name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/), description: z.string().optional(), input_schema: z.looseObject({ type: z.literal('object') }) })
const toolChoice = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().optional() }),
  z.strictObject({ type: z.literal('none') }),
])
export const anthropicRequestSchema = z.strictObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  max_tokens: z.number().int().min(1),
  system: z.union([z.string(), z.array(text)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stream: z.boolean().optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  metadata: z.strictObject({ user_id: z.string().optional() }).optional(),
  thinking: z.unknown().optional(),
  service_tier: z.enum(['auto', 'standard_only']).optional(),
})

/** Null when the request is one the real API accepts, else its error message. */
export function anthropicRequestError(req: ReceivedRequest): string | null {
  if (req.method !== 'POST' || !req.url.endsWith('/v1/messages')) return `unknown route ${req.method} ${req.url}`
  if (!req.headers['x-api-key']) return 'x-api-key header is required'
  if (!req.headers['anthropic-version']) return 'anthropic-version header is required'
  const parsed = anthropicRequestSchema.safeParse(req.body)
  if (!parsed.success) {
    const i = parsed.error.issues[0]!
    return `${i.path.join('.')}: ${i.code === 'unrecognized_keys' ? `Extra inputs are not permitted (${i.keys.join(', ')})` : i.message}`
  }
  const msgs = parsed.data.messages
  if (msgs[0]!.role !== 'user') return 'messages: first message must use the "user" role'
  for (let i = 0; i < msgs.length; i++) {
    const blocks = (m: (typeof msgs)[number] | undefined) => (m && Array.isArray(m.content) ? m.content : [])
    const uses = blocks(msgs[i]).flatMap((b) => (b.type === 'tool_use' ? [b.id] : []))
    if (msgs[i]!.role === 'assistant' && uses.length > 0) {
      const results = new Set(blocks(msgs[i + 1]).flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])))
      const missing = uses.filter((id) => !results.has(id))
      if (missing.length > 0) return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}`
    }
    if (msgs[i]!.role === 'user') {
      const prev = new Set(blocks(msgs[i - 1]).flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])))
      const orphan = blocks(msgs[i]).find((b) => b.type === 'tool_result' && !prev.has(b.tool_use_id))
      if (orphan) return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks`
    }
  }
  return null
}

/** A fake Messages API: validates, then answers with the fixture the model name picks. */
export function fakeAnthropic(pick: (model: string, stream: boolean) => { status?: number; json?: string; sse?: string }): FakeHandler {
  return async (req, res: ServerResponse) => {
    const problem = anthropicRequestError(req)
    if (problem) return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: problem } })
    const f = pick(req.body.model, req.body.stream === true)
    if (f.sse) return sendSse(res, sseFrames(fixtureText('anthropic', f.sse)))
    sendJson(res, f.status ?? 200, fixtureJson('anthropic', f.json!))
  }
}
