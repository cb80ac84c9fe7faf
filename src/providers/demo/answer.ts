import type { ChatCompletion, ChatCompletionChunk, Usage } from '../../call/chat-result.js'

/** Deterministic, offline answers in OpenAI's wire format, so a new user gets a real reply with no provider account. */
interface DemoRequest {
  model: string
  messages: Array<{ role: string; content?: unknown }>
  stream?: boolean
  n?: number
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p: { type?: string; text?: string }) => (p?.type === 'text' ? (p.text ?? '') : '')).join(' ')
      : ''

/** Rough count: words and punctuation. Good enough for a demo; real providers report their own. */
const countTokens = (s: string): number => (s.match(/\w+|[^\s\w]/g) ?? []).length

function demoReply(req: DemoRequest): { text: string; usage: Usage } {
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user')
  const said = textOf(lastUser?.content).replace(/\s+/g, ' ').trim()
  const quoted = said.length > 200 ? `${said.slice(0, 200)}…` : said
  const text = `Hello from the Switchyard demo provider. You said: "${quoted}". Point a model at a real provider in your config to get real answers.`
  const prompt = req.messages.reduce((n, m) => n + countTokens(textOf(m.content)) + 4, 0)
  const completion = countTokens(text)
  return { text, usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } }
}

export function demoCompletion(req: DemoRequest, id: string, created: number): ChatCompletion {
  const { text, usage } = demoReply(req)
  const n = req.n ?? 1
  return {
    id,
    object: 'chat.completion',
    created,
    model: req.model,
    system_fingerprint: 'fp_switchyard_demo',
    choices: Array.from({ length: n }, (_, index) => ({
      index,
      message: { role: 'assistant' as const, content: text, refusal: null },
      finish_reason: 'stop' as const,
      logprobs: null,
    })),
    usage: { ...usage, completion_tokens: usage.completion_tokens * n, total_tokens: usage.prompt_tokens + usage.completion_tokens * n },
  }
}

/** The streamed form: a role chunk, one chunk per word, a finish chunk, then the usage chunk. */
export function demoChunks(req: DemoRequest, id: string, created: number): ChatCompletionChunk[] {
  const { text, usage } = demoReply(req)
  const base = { id, object: 'chat.completion.chunk' as const, created, model: req.model, system_fingerprint: 'fp_switchyard_demo' }
  const words = text.split(/(?<= )/)
  const chunks: ChatCompletionChunk[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }]
  for (const w of words) chunks.push({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })
  chunks.push({ ...base, choices: [], usage })
  return chunks
}
