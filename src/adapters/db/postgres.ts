import pg from 'pg'
import type { Database, Queryable, QueryResult } from '../../ports/database.js'

export interface PostgresOptions {
  /** Connections in the pool. */
  max?: number
  /** How long to wait for a connection (or a free pool slot) before failing. */
  connectTimeoutMs?: number
  /** Client-side cap on one statement (the server keeps its own statement_timeout). */
  queryTimeoutMs?: number
  onError?: (err: Error) => void
}

type PgClient = pg.Pool | pg.PoolClient

async function run<T>(c: PgClient, sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
  const res = params === undefined ? await c.query(sql) : await c.query(sql, params as unknown[])
  // a multi-statement script answers an array of results: the last one is the script's answer
  const last = Array.isArray(res) ? (res[res.length - 1] as pg.QueryResult | undefined) : res
  return { rows: (last?.rows ?? []) as T[], rowCount: last?.rowCount ?? 0 }
}

/** Postgres through a pg Pool. Idle-client errors (server restarts, network cuts) are reported, never thrown. */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const
  private readonly pool: pg.Pool

  constructor(url: string, opts: PostgresOptions = {}) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 8,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
      query_timeout: opts.queryTimeoutMs ?? 30_000,
      idleTimeoutMillis: 30_000,
      application_name: 'switchyard',
    })
    this.pool.on('error', (err) => opts.onError?.(err))
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return run<T>(this.pool, sql, params)
  }

  async session<T>(fn: (s: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    try {
      return await fn({ query: <R>(sql: string, params?: readonly unknown[]) => run<R>(client, sql, params) })
    } catch (err) {
      broken = err as Error
      throw err
    } finally {
      // a session that failed may hold an aborted transaction or a lock: do not hand it back
      client.release(broken)
    }
  }

  /** The pool client node-pg-migrate drives (it needs pg's own query signature). */
  async withRawClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      return await fn(client)
    } finally {
      client.release()
    }
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}
