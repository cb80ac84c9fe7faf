import type { ServerResponse } from 'node:http'
import { hashKey } from '../../src/identity/authenticator.js'
import { sendJson, sendSse, type ReceivedRequest } from '../helpers/fake-upstream.js'
import { randomPrefix, redisUrl } from '../helpers/limits.js'
import { openTestDatabase } from '../helpers/database.js'
import { ensurePartitions, migrate } from '../../src/adapters/db/migrate.js'
import type { Database } from '../../src/ports/database.js'

export const KEY = 'sk-sy-limits-test-key'

/** An OpenAI-compatible upstream reporting `usage` tokens on every answer, streamed (with a usage chunk) or not. */
export function usageUpstream(usage: { prompt: number; completion: number }) {
  return async (req: ReceivedRequest, res: ServerResponse) => {
    const u = { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion }
    const base = { id: 'chatcmpl-1', created: 1, model: String(req.body?.model) }
    if (req.body?.stream !== true) {
      sendJson(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: u })
      return
    }
    const chunk = (choices: unknown[], extra: object = {}) => JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })
    const frames = [chunk([{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: null }]), chunk([{ index: 0, delta: {}, finish_reason: 'stop' }])]
    if (req.body?.stream_options?.include_usage) frames.push(chunk([], { usage: u }))
    frames.push('[DONE]')
    await sendSse(res, frames)
  }
}

/** Gateway config for one upstream and one team; limits use Redis under a random prefix when REDIS_URL is set. */
export function limitsConfig(upstreamUrl: string, team: object, limits: object = {}, extra: object = {}) {
  return {
    providers: { up: { type: 'openai', base_url: upstreamUrl } },
    models: { m: { targets: [{ provider: 'up', model: 'm' }] } },
    pricing: { 'up/m': { input: 1, output: 3 } },
    teams: { t1: { ...team, keys: [{ name: 'k', sha256: hashKey(KEY) }] } },
    limits: { key_prefix: randomPrefix(), ...limits },
    ...extra,
  }
}

export const backendName = (): string => (redisUrl ? `redis (${redisUrl})` : 'in-process (REDIS_URL unset)')

export async function chat(baseURL: string, body: object = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
  })
}

/** One migrated database for every gateway of a test file (opening one per gateway is slow on PGlite). */
export async function sharedDatabase(t: { comment(msg: string): void; teardown(fn: () => Promise<void>): void }): Promise<Database> {
  const tdb = await openTestDatabase(t)
  t.teardown(() => tdb.drop())
  await migrate(tdb.db)
  await ensurePartitions(tdb.db)
  return tdb.db
}
