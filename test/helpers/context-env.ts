import { randomBytes } from 'node:crypto'

/** Real Redis when REDIS_URL is set (with a random key prefix), the in-process store otherwise. */
export function contextBackend(): { env: Record<string, string>; redisPrefix: string; label: string } {
  const url = process.env.REDIS_URL
  const redisPrefix = `sytest:${randomBytes(6).toString('hex')}:`
  return url ? { env: { REDIS_URL: url }, redisPrefix, label: `redis (${redisPrefix})` } : { env: { REDIS_URL: '' }, redisPrefix, label: 'in-process store' }
}

/** An OpenAI chat completion body answering `content`. */
export function completion(model: string, content: string): object {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  }
}

/** The SSE frames of a streamed completion answering `parts` in order. */
export function streamFrames(model: string, parts: string[]): string[] {
  const chunk = (delta: object, finish: string | null) => JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })
  return [chunk({ role: 'assistant', content: '' }, null), ...parts.map((p) => chunk({ content: p }, null)), chunk({}, 'stop'), '[DONE]']
}

/**
 * The database env for one test file's gateways: its own scratch Postgres database when
 * DATABASE_URL is set (dropped at teardown), else the embedded PGlite (DATABASE_URL emptied).
 */
export async function databaseEnv(t: { teardown(fn: () => unknown): void; comment(msg: string): void }): Promise<{ DATABASE_URL: string }> {
  const server = process.env.DATABASE_URL
  if (!server) {
    t.comment('database: pglite')
    return { DATABASE_URL: '' }
  }
  const { createScratchDatabase } = await import('./database.js')
  const scratch = await createScratchDatabase(server)
  t.teardown(() => scratch.drop())
  t.comment(`database: postgres (${new URL(scratch.url).pathname.slice(1)})`)
  return { DATABASE_URL: scratch.url }
}
