import { request } from 'undici'
import type { GatewayConfig } from '../config/load.js'
import { describeHolder, liveHolder, lockFile, type LockHolder } from '../adapters/db/data-dir-lock.js'
import { errorCodes, type ErrorCode } from '../errors/codes.js'
import { GatewayError } from '../errors/gateway-error.js'

/** How a CLI command reaches the database: directly, or through the running gateway's admin API. */
export type DatabaseRoute = { kind: 'direct' } | { kind: 'gateway'; url: string; pid: number; token: string }

export interface RouteOptions {
  /** The CLI command, for messages (`keys create`). */
  command: string
  /** The admin API that does the same job (`POST/GET/DELETE /admin/keys`); absent = none, refuse. */
  adminApi?: string
  /** How long to wait for a starting gateway to listen. */
  waitMs?: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * With `DATABASE_URL` the CLI talks to Postgres. With embedded storage, a live gateway holding the data
 * dir owns the database (PGlite allows one process): the command goes through that gateway's admin API
 * when SWITCHYARD_ADMIN_TOKEN is set and there is one, else it is refused naming the gateway.
 */
export async function routeDatabase(config: Pick<GatewayConfig, 'env' | 'dataDir'>, opts: RouteOptions): Promise<DatabaseRoute> {
  if (config.env.databaseUrl) return { kind: 'direct' }
  let holder: LockHolder | null = liveHolder(config.dataDir)
  if (!holder) return { kind: 'direct' }
  const deadline = Date.now() + (opts.waitMs ?? 10_000)
  while (holder && holder.command === 'serve' && !holder.url && Date.now() < deadline) {
    await sleep(100)
    holder = liveHolder(config.dataDir)
  }
  if (!holder) return { kind: 'direct' }
  const token = config.env.adminToken
  if (opts.adminApi && token && holder.url) return { kind: 'gateway', url: holder.url, pid: holder.pid, token }
  throw new GatewayError('storage_unavailable', refusal(config.dataDir, holder, opts))
}

function refusal(dataDir: string, holder: LockHolder, opts: RouteOptions): string {
  const head = `The embedded database in ${dataDir} is in use by ${describeHolder(holder)}, and embedded storage (PGlite) allows one process, so \`switchyard ${opts.command}\` cannot open it.`
  const stale = `(If no such process runs, delete ${lockFile(dataDir)}.)`
  if (holder.command !== 'serve') return `${head} Run it again when that command has finished. ${stale}`
  const stop = `stop the gateway and run \`switchyard ${opts.command}\` again`
  if (!opts.adminApi) return `${head} The gateway applies migrations itself when it opens embedded storage; to run this by hand, ${stop}. ${stale}`
  return (
    `${head} To make the change on the running gateway, set SWITCHYARD_ADMIN_TOKEN to the admin token that gateway was started with ` +
    `(the command then goes through its admin API, ${opts.adminApi}); or ${stop}. ${stale}`
  )
}

interface ErrorEnvelope {
  error?: { message?: string; code?: string }
}

/** One admin API call on the gateway. Non-2xx answers become GatewayErrors carrying the gateway's message. */
export async function adminCall<T>(route: Extract<DatabaseRoute, { kind: 'gateway' }>, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res
  try {
    res = await request(`${route.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${route.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    })
  } catch (err) {
    throw new GatewayError('storage_unavailable', `Cannot reach the running gateway (pid ${route.pid}) at ${route.url}: ${(err as Error).message}. Stop it, or check that it is serving.`, { cause: err })
  }
  const text = await res.body.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return parsed as T
  const e = (parsed as ErrorEnvelope | undefined)?.error
  const message = e?.message ?? `HTTP ${res.statusCode}`
  const code: ErrorCode = e?.code && e.code in errorCodes ? (e.code as ErrorCode) : 'internal_error'
  if (res.statusCode === 401) {
    throw new GatewayError(
      'admin_unauthorized',
      `The running gateway (pid ${route.pid}) at ${route.url} refused the admin call: ${message} The CLI's SWITCHYARD_ADMIN_TOKEN must be the one that ` +
        'gateway was started with (restart it with SWITCHYARD_ADMIN_TOKEN set if it has none), or stop the gateway to work on its data dir directly.',
    )
  }
  throw new GatewayError(code, message, { status: res.statusCode })
}
