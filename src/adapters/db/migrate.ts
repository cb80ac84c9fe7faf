import { runner } from 'node-pg-migrate'
import { shippedPath } from '../../paths.js'
import type { Database, Queryable } from '../../ports/database.js'

const migrationsDir = (): string => shippedPath('migrations')
const MIGRATIONS_TABLE = 'pgmigrations'

interface MigrateLog {
  info(msg: string): void
  warn(msg: string): void
  error(msg: string): void
}

const silent: MigrateLog = { info: () => undefined, warn: () => undefined, error: () => undefined }

/**
 * node-pg-migrate drives one session of either backend. It calls pg's `query(text, values)`; the
 * session answers the same shape (`rows`), and a parameterless script runs in the simple protocol,
 * which is what multi-statement SQL migrations need on PGlite as on Postgres.
 */
function asPgClient(s: Queryable): unknown {
  return {
    query: (text: string | { text: string; values?: unknown[] }, values?: unknown[]) =>
      typeof text === 'string' ? s.query(text, values) : s.query(text.text, text.values ?? values),
  }
}

/**
 * Applies every pending migration in `migrations/` (node-pg-migrate, SQL files, one transaction each).
 * Concurrent callers wait on node-pg-migrate's advisory lock. Returns the names it ran (empty: nothing to do).
 */
export async function migrate(db: Database, opts: { log?: MigrateLog; dir?: string } = {}): Promise<string[]> {
  const log = opts.log ?? silent
  const ran = await db.session((s) =>
    runner({
      dbClient: asPgClient(s) as never,
      dir: opts.dir ?? migrationsDir(),
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      count: Number.POSITIVE_INFINITY,
      checkOrder: true,
      advisoryLockMode: 'wait',
      logger: { debug: () => undefined, info: (m: string) => log.info(m), warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) },
    }),
  )
  return ran.map((m) => m.name)
}

/** Monthly partitions of `calls` for the months ahead (run at start and daily by the audit sink). */
export async function ensurePartitions(db: Database, monthsAhead = 3): Promise<number> {
  const { rows } = await db.query<{ created: number }>('SELECT calls_ensure_partitions($1::int)::int AS created', [monthsAhead])
  return rows[0]?.created ?? 0
}
