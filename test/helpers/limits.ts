import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { MemoryLimitStore } from '../../src/adapters/limits/memory.js'
import { RedisLimitStore } from '../../src/adapters/limits/redis.js'
import type { LimitStore } from '../../src/ports/limit-store.js'

export const redisUrl = process.env.REDIS_URL && process.env.REDIS_URL.trim() !== '' ? process.env.REDIS_URL : undefined

/** A fresh key prefix per test file, so parallel files on one Redis never share counters. */
export const randomPrefix = (): string => `sytest:${randomBytes(6).toString('hex')}:`

export function newRedis(): Redis {
  return new Redis(redisUrl!, { enableOfflineQueue: true, maxRetriesPerRequest: 1 })
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    cursor = next
    if (keys.length > 0) await redis.del(...keys)
  } while (cursor !== '0')
}

export interface StoreUnderTest {
  name: string
  make(): LimitStore
  close(): Promise<void>
}

/** The backends a shared suite runs against: in-process always, Redis when REDIS_URL is set. */
export function limitBackends(): StoreUnderTest[] {
  const out: StoreUnderTest[] = [{ name: 'memory', make: () => new MemoryLimitStore(), close: async () => {} }]
  if (redisUrl) {
    const redis = newRedis()
    const prefix = randomPrefix()
    const stores: LimitStore[] = []
    out.push({
      name: 'redis',
      make: () => {
        const s = new RedisLimitStore(redis, { prefix: `${prefix}${stores.length}:`, flushMs: 50 })
        stores.push(s)
        return s
      },
      close: async () => {
        for (const s of stores) await s.close()
        await dropPrefix(redis, prefix)
        redis.disconnect()
      },
    })
  }
  return out
}
