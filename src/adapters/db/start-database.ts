import type { GatewayConfig } from '../../config/load.js'
import type { Database } from '../../ports/database.js'
import { ensurePartitions, migrate } from './migrate.js'
import { describeDatabase, openDatabase } from './open-database.js'

interface StartLog {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

/**
 * Opens the gateway's database and brings its schema up to date: always for the embedded database,
 * with `audit.migrate_on_start` for Postgres. A Postgres that is down at boot does not stop the gateway:
 * the failure is logged, audit rows spool, and `prepare` is retried before the next write.
 */
export async function startDatabase(config: GatewayConfig, log: StartLog, given?: Database): Promise<{ database: Database; prepare: () => Promise<void> }> {
  const database = given ?? (await openDatabase(config, { onError: (err) => log.warn({ err: err.message }, 'database connection error') }))
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
    if (database.kind === 'pglite') throw err
    log.warn({ err: (err as Error).message, database: describeDatabase(config) }, 'database not ready at start; will retry')
  }
  return { database, prepare }
}
