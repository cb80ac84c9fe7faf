import type { EnvSettings } from '../../config/load.js'
import type { ContextStore } from '../../ports/context-store.js'
import type { ReadinessCheck } from '../../ports/readiness.js'
import { MemoryContextStore } from './memory.js'
import { RedisContextStore } from './redis.js'

interface OpenedContextStore {
  store: ContextStore
  readiness: ReadinessCheck
  /** Printable description without credentials. */
  description: string
}

function describe(url: string): string {
  try {
    const u = new URL(url)
    return `redis ${u.hostname}:${u.port || 6379}`
  } catch {
    return 'redis'
  }
}

/**
 * `REDIS_URL` set: Redis (waits up to 2 s for it, then starts degraded and keeps reconnecting).
 * Otherwise the in-process store. Readiness stays ready when Redis is down, and says so: keys and
 * teams already cached keep working, sessions continue without history (see README).
 */
export async function openContextStore(env: Pick<EnvSettings, 'redisUrl'>, opts: { prefix?: string; waitMs?: number } = {}): Promise<OpenedContextStore> {
  if (!env.redisUrl) {
    return { store: new MemoryContextStore(), description: 'in-process', readiness: { name: 'context_store', check: async () => ({ ok: true, detail: 'in-process' }) } }
  }
  const store = new RedisContextStore({ url: env.redisUrl, ...(opts.prefix ? { prefix: opts.prefix } : {}) })
  await store.ready(opts.waitMs ?? 2000)
  const description = describe(env.redisUrl)
  return {
    store,
    description,
    readiness: {
      name: 'context_store',
      async check() {
        try {
          await store.ping()
          return { ok: true, detail: description }
        } catch (err) {
          return { ok: true, degraded: true, detail: `${description} unreachable (${(err as Error).message}): cached keys and teams only, sessions without history` }
        }
      },
    },
  }
}
