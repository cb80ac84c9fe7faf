import { join } from 'node:path'
import type { GatewayConfig } from '../../config/load.js'
import type { Database } from '../../ports/database.js'
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js'
import { PgliteDatabase } from './pglite.js'
import { PostgresDatabase, type PostgresOptions } from './postgres.js'

/** Where the embedded database lives inside the data directory. */
export const pgliteDir = (dataDir: string): string => join(dataDir, 'pglite')

/**
 * PGlite in `<data_dir>/pglite`, under the data dir's lock (`<data_dir>/gateway.lock`): PGlite allows one
 * process per folder, so a second one is refused with the holder's pid and URL. Closing the database
 * releases the lock. `command` names the holder in the lock (`serve` for the gateway).
 */
export async function openEmbeddedDatabase(dataDir: string, command: string): Promise<{ database: Database; lock: DataDirLock }> {
  const lock = acquireDataDirLock(dataDir, command)
  try {
    return { database: await PgliteDatabase.open(pgliteDir(dataDir), { onClose: lock.release }), lock }
  } catch (err) {
    lock.release()
    throw err
  }
}

/** `DATABASE_URL` set: Postgres. Otherwise PGlite in `<data_dir>/pglite`, locked for this process (see openEmbeddedDatabase). */
export async function openDatabase(config: Pick<GatewayConfig, 'env' | 'dataDir'>, opts: PostgresOptions & { command?: string } = {}): Promise<Database> {
  const { command, ...pgOpts } = opts
  if (config.env.databaseUrl) return new PostgresDatabase(config.env.databaseUrl, pgOpts)
  return (await openEmbeddedDatabase(config.dataDir, command ?? 'cli')).database
}

/** Printable description without credentials. */
export function describeDatabase(config: Pick<GatewayConfig, 'env' | 'dataDir'>): string {
  if (!config.env.databaseUrl) return `pglite ${pgliteDir(config.dataDir)}`
  try {
    const u = new URL(config.env.databaseUrl)
    return `postgres ${u.hostname}:${u.port || 5432}${u.pathname}`
  } catch {
    return 'postgres'
  }
}
