import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { GatewayError } from '../../errors/gateway-error.js'

/**
 * A per-client-IP guard (@fastify/rate-limit) for the routes that are not proxied calls: /v1/models,
 * /admin/*, health and metrics stay cheap to protect without a key. Proxied calls are limited per key
 * and team by the limits stage instead (one Lua script for every check). Off unless `limits.ip_rpm`.
 */
export async function ipRateLimit(app: FastifyInstance, guard: { rpm: number | undefined; redis?: Redis | undefined; nameSpace: string }): Promise<void> {
  const { rpm, redis, nameSpace } = guard
  if (rpm === undefined) return
  await app.register(rateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace } : {}),
    skipOnError: true, // Redis down: the guard lets requests through, as the limits stage does by default
    errorResponseBuilder: (_req, ctx) => new GatewayError('rate_limit_exceeded', `Too many requests from this address: limit ${ctx.max} per minute. Try again in ${ctx.after}.`),
  })
  const limiter = app.rateLimit({ max: rpm, timeWindow: 60_000 })
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.endpoint) return
    await limiter.call(app, request, reply)
  })
}
