import { loadConfig } from '../config/load.js'
import { describeDatabase, openDatabase } from '../adapters/db/open-database.js'
import { ensurePartitions, migrate } from '../adapters/db/migrate.js'

/** `switchyard migrate`: applies pending migrations to DATABASE_URL (or the embedded database). Idempotent. */
export async function runMigrate(configPath: string, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const config = loadConfig(configPath)
  const db = await openDatabase(config)
  try {
    const ran = await migrate(db, { log: { info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`), error: (m) => process.stderr.write(`${m}\n`) } })
    await ensurePartitions(db)
    out.write(ran.length === 0 ? `${describeDatabase(config)}: up to date\n` : `${describeDatabase(config)}: applied ${ran.join(', ')}\n`)
    return 0
  } finally {
    await db.close()
  }
}
