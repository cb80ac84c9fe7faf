import { Redis } from 'ioredis'
import type { LimitsConfig } from '../../config/schema.js'
import type { LimitStore } from '../../ports/limit-store.js'
import { MemoryLimitStore } from './memory.js'
import { RedisLimitStore } from './redis.js'

export interface LimitBackend {
  store: LimitStore
  kind: 'redis' | 'memory' | 'injected'
  /** The connection the store uses, when it is Redis (other limiters may share it). */
  redis?: Redis
  /** Closes the store, and the Redis connection when this module opened it. */
  close(): Promise<void>
}

/**
 * The limit store for this process: Redis when a URL is given (a connection of its own unless one is
 * passed in), else in-process counters. The connection fails fast (no offline queue, short command
 * timeout) so that an outage is noticed at once and the fail-open/closed rule applies.
 */
export async function createLimitBackend(cfg: LimitsConfig, redisUrl: string | undefined, shared?: Redis): Promise<LimitBackend> {
  if (!redisUrl && !shared) {
    const store = new MemoryLimitStore()
    return { store, kind: 'memory', close: () => store.close() }
  }
  const own = shared
    ? null
    : new Redis(redisUrl!, {
        lazyConnect: true,
        enableOfflineQueue: false,
        commandTimeout: cfg.command_timeout_ms,
        connectTimeout: 2_000,
        maxRetriesPerRequest: 1,
        retryStrategy: (times) => Math.min(times * 200, 2_000),
      })
  if (own) {
    own.on('error', () => {
      // reported through failed admissions, the metric and /readyz; reconnects on its own
    })
    await own.connect().catch(() => undefined)
  }
  const store = new RedisLimitStore((shared ?? own)!, { prefix: cfg.key_prefix, flushMs: cfg.flush_ms })
  return {
    store,
    kind: 'redis',
    redis: (shared ?? own)!,
    async close() {
      await store.close().catch(() => undefined)
      if (own) own.disconnect()
    },
  }
}
