import { join } from 'node:path'
import type { GatewayConfig } from '../../config/load.js'
import type { Database } from '../../ports/database.js'
import { PgliteDatabase } from './pglite.js'
import { PostgresDatabase, type PostgresOptions } from './postgres.js'

/** Where the embedded database lives inside the data directory. */
export const pgliteDir = (dataDir: string): string => join(dataDir, 'pglite')

/** `DATABASE_URL` set: Postgres. Otherwise PGlite in `<data_dir>/pglite` (one process at a time). */
export async function openDatabase(config: Pick<GatewayConfig, 'env' | 'dataDir'>, opts: PostgresOptions = {}): Promise<Database> {
  if (config.env.databaseUrl) return new PostgresDatabase(config.env.databaseUrl, opts)
  return PgliteDatabase.open(pgliteDir(config.dataDir))
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
