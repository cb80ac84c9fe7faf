import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { PgliteDatabase } from '../../src/adapters/db/pglite.js'
import { PostgresDatabase } from '../../src/adapters/db/postgres.js'
import type { Database } from '../../src/ports/database.js'

export interface TestDatabase {
  db: Database
  kind: 'postgres' | 'pglite'
  /** Postgres only: the URL of this test's own database (give it to a gateway as DATABASE_URL). */
  url: string | undefined
  /** Closes the connection and drops the database. */
  drop(): Promise<void>
}

/** Server URL with the database name swapped. */
function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** Creates an empty database on the server at `serverUrl` (CREATE DATABASE sy_<random>); returns its URL and a drop function. */
export async function createScratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sy_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  return {
    url: withDatabase(serverUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}

/**
 * A fresh, empty database for one test file: a new database on DATABASE_URL's server when it is set,
 * otherwise an in-memory PGlite. Prints which, as the test protocol asks.
 */
export async function openTestDatabase(t?: { comment(msg: string): void }): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL
  if (serverUrl) {
    const scratch = await createScratchDatabase(serverUrl)
    const db = new PostgresDatabase(scratch.url, { max: 4 })
    t?.comment(`database: postgres (${new URL(scratch.url).pathname.slice(1)})`)
    return { db, kind: 'postgres', url: scratch.url, drop: async () => { await db.close(); await scratch.drop() } }
  }
  const db = await PgliteDatabase.open(undefined)
  t?.comment('database: pglite (in memory)')
  return { db, kind: 'pglite', url: undefined, drop: () => db.close() }
}
