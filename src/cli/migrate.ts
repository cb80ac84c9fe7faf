import { loadConfig } from '../config/load.js'
import { describeDatabase, openDatabase } from '../adapters/db/open-database.js'
import { ensurePartitions, migrate } from '../adapters/db/migrate.js'
import { isGatewayError } from '../errors/gateway-error.js'
import { routeDatabase } from './gateway-route.js'

/**
 * `switchyard migrate`: applies pending migrations to DATABASE_URL (or the embedded database). Idempotent.
 * Refused while a gateway holds the embedded data dir (it migrated that database when it started).
 */
export async function runMigrate(configPath: string, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const config = loadConfig(configPath)
  let db
  try {
    await routeDatabase(config, { command: 'migrate' })
    db = await openDatabase(config, { command: 'migrate' })
  } catch (e) {
    if (isGatewayError(e)) {
      err.write(`switchyard migrate: ${e.message}\n`)
      return 1
    }
    throw e
  }
  try {
    const ran = await migrate(db, { log: { info: () => undefined, warn: (m) => err.write(`${m}\n`), error: (m) => err.write(`${m}\n`) } })
    await ensurePartitions(db)
    out.write(ran.length === 0 ? `${describeDatabase(config)}: up to date\n` : `${describeDatabase(config)}: applied ${ran.join(', ')}\n`)
    return 0
  } finally {
    await db.close()
  }
}
