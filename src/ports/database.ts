/** Rows back from one statement. Column types follow the SQL: cast counts to `int` and sums to `float8` for portable results. */
export interface QueryResult<T> {
  rows: T[]
  /** Rows inserted, updated or deleted (0 for SELECT on some drivers: use rows.length). */
  rowCount: number
}

/** Anything that runs SQL: the database itself, or one session on it. */
export interface Queryable {
  /**
   * With `params` (even empty) the statement uses the extended protocol: one statement, `$1..$n` placeholders.
   * Without `params` it uses the simple protocol, so a script of several statements runs as one call.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>
}

/**
 * The SQL store behind audit, keys and teams: Postgres (`DATABASE_URL`) or embedded PGlite, same SQL.
 * `session` pins one connection (transactions, advisory locks, migrations); other callers wait on PGlite.
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite'
  session<T>(fn: (s: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** Runs `fn` in a transaction on one session: COMMIT on success, ROLLBACK on throw. */
export async function inTransaction<T>(db: Database, fn: (s: Queryable) => Promise<T>): Promise<T> {
  return db.session(async (s) => {
    await s.query('BEGIN')
    try {
      const out = await fn(s)
      await s.query('COMMIT')
      return out
    } catch (err) {
      await s.query('ROLLBACK').catch(() => undefined)
      throw err
    }
  })
}
