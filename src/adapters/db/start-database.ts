import type { GatewayConfig } from '../../config/load.js'
import type { Database } from '../../ports/database.js'
import type { DataDirLock } from './data-dir-lock.js'
import { ensurePartitions, migrate } from './migrate.js'
import { describeDatabase, openDatabase, openEmbeddedDatabase } from './open-database.js'

interface StartLog {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface StartedDatabase {
  database: Database
  prepare: () => Promise<void>
  /** Records the gateway's base URL in the embedded data dir's lock (the CLI reaches the admin API there); no-op otherwise. */
  noteListening: (url: string) => void
}

/**
 * Opens the gateway's database and brings its schema up to date: always for the embedded database,
 * with `audit.migrate_on_start` for Postgres. A Postgres that is down at boot does not stop the gateway:
 * the failure is logged, audit rows spool, and `prepare` is retried before the next write.
 * The embedded database is opened under the data dir's lock: a second gateway on the same dir is refused.
 */
export async function startDatabase(config: GatewayConfig, log: StartLog, given?: Database): Promise<StartedDatabase> {
  let lock: DataDirLock | null = null
  let database: Database
  if (given) database = given
  else if (config.env.databaseUrl) database = await openDatabase(config, { onError: (err) => log.warn({ err: err.message }, 'database connection error') })
  else ({ database, lock } = await openEmbeddedDatabase(config.dataDir, 'serve'))
  const shouldMigrate = database.kind === 'pglite' || config.gateway.audit.migrate_on_start
  let done = false
  const prepare = async () => {
    if (done) return
    if (shouldMigrate) {
      const ran = await migrate(database)
      if (ran.length > 0) log.info({ database: describeDatabase(config), migrations: ran }, 'migrations applied')
    }
    await ensurePartitions(database)
    done = true
  }
  try {
    await prepare()
  } catch (err) {
    if (database.kind === 'pglite') {
      if (!given) await database.close().catch(() => undefined)
      throw err
    }
    log.warn({ err: (err as Error).message, database: describeDatabase(config) }, 'database not ready at start; will retry')
  }
  const held = lock as DataDirLock | null
  return { database, prepare, noteListening: (url) => held?.noteListening(url) }
}
