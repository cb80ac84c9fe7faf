import { PGlite } from '@electric-sql/pglite'
import { mkdirSync } from 'node:fs'
import type { Database, Queryable, QueryResult } from '../../ports/database.js'

interface PgliteResult {
  rows: unknown[]
  affectedRows?: number
}

/**
 * Embedded Postgres (PGlite, WebAssembly) in a local folder, or in memory when `dir` is undefined.
 * PGlite has one connection, so statements are serialized here and `session` holds the line until it
 * returns: a migration's BEGIN..COMMIT never interleaves with an audit insert.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const
  private readonly pg: PGlite
  private tail: Promise<unknown> = Promise.resolve()
  private closed = false
  private readonly onClose: (() => void) | undefined

  private constructor(pg: PGlite, onClose: (() => void) | undefined) {
    this.pg = pg
    this.onClose = onClose
  }

  /** `onClose` runs once the database is closed (the data dir lock is released there). */
  static async open(dir: string | undefined, opts: { onClose?: () => void } = {}): Promise<PgliteDatabase> {
    if (dir !== undefined) mkdirSync(dir, { recursive: true })
    const pg = dir === undefined ? new PGlite() : new PGlite(dir)
    await pg.waitReady
    return new PgliteDatabase(pg, opts.onClose)
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn)
    this.tail = next.catch(() => undefined)
    return next
  }

  private async run<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    if (this.closed) throw new Error('database is closed')
    if (params === undefined) {
      const all = (await this.pg.exec(sql)) as PgliteResult[]
      const last = all[all.length - 1]
      return { rows: (last?.rows ?? []) as T[], rowCount: last?.affectedRows ?? 0 }
    }
    const res = (await this.pg.query(sql, params as unknown[])) as PgliteResult
    return { rows: res.rows as T[], rowCount: res.affectedRows ?? 0 }
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.exclusive(() => this.run<T>(sql, params))
  }

  session<T>(fn: (s: Queryable) => Promise<T>): Promise<T> {
    return this.exclusive(() => fn({ query: <R>(sql: string, params?: readonly unknown[]) => this.run<R>(sql, params) }))
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.exclusive(async () => {
      this.closed = true
      try {
        await this.pg.close()
      } finally {
        this.onClose?.()
      }
    })
  }
}
