import { chatRequestSchema } from '../ingress/openai-chat/schema.js'
import { embeddingsRequestSchema } from '../ingress/openai-embeddings/schema.js'
import type { Endpoint } from '../call/record.js'
import type { PolicyInput } from './types.js'

interface OfflineCase {
  team?: string | undefined
  key?: string | undefined
  endpoint?: Endpoint | undefined
  workflow?: string | undefined
  step?: string | undefined
  headers?: Record<string, string> | undefined
  budget_used_pct?: number | undefined
  request: unknown
}

/**
 * A PolicyInput for a request that is not on the wire (policy tests, `policy explain`): the body is
 * validated as the gateway would, header names are lowercased as Node delivers them.
 */
export function offlineInput(c: OfflineCase, teamLabels: Readonly<Record<string, string>> = {}): { input: PolicyInput } | { error: string } {
  const body = c.request as { messages?: unknown; input?: unknown } | null
  const isEmbeddings = body !== null && typeof body === 'object' && body.messages === undefined && body.input !== undefined
  const parsed = isEmbeddings ? embeddingsRequestSchema.safeParse(body) : chatRequestSchema.safeParse(body)
  if (!parsed.success) return { error: `invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'} ${i.message}`).join('; ')}` }
  const req = parsed.data
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(c.headers ?? {})) headers[k.toLowerCase()] = v
  const meta = (req as { metadata?: Record<string, string> | null }).metadata
  return {
    input: {
      endpoint: c.endpoint ?? (isEmbeddings ? 'embeddings' : c.workflow ? 'workflow' : 'chat.completions'),
      workflow: c.workflow ?? null,
      step: c.step ?? null,
      team: c.team ?? '',
      teamLabels,
      key: c.key ?? null,
      user: req.user ?? null,
      model: req.model,
      headers,
      metadata: meta ?? {},
      request: req,
      stream: (req as { stream?: boolean | null }).stream === true,
      budgetUsedPct: c.budget_used_pct,
    },
  }
}
