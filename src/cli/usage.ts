import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load.js'
import { openDatabase } from '../adapters/db/open-database.js'
import { parseSince, renderUsage, usageFormats, usageGroups, usageReport, type UsageFormat, type UsageGroup } from '../adapters/audit/usage-report.js'

const USAGE = `Usage: switchyard usage [--by team|model|key|session] [--since 7d] [--format table|csv|json] [--team T] [--config FILE]
Reads the audit log (DATABASE_URL, or the embedded database in the config's data_dir: PGlite allows one
process, so stop the gateway first or use GET /admin/usage).
`

/** `switchyard usage`: calls, tokens and cost from the audit log, grouped. */
export async function runUsage(argv: string[], defaultConfig: string, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, by: { type: 'string', default: 'team' }, since: { type: 'string', default: '7d' }, format: { type: 'string', default: 'table' }, team: { type: 'string' } },
  })
  if (!usageGroups.includes(values.by as UsageGroup) || !usageFormats.includes(values.format as UsageFormat)) {
    err.write(USAGE)
    return 2
  }
  let since: Date
  try {
    since = parseSince(values.since)
  } catch (e) {
    err.write(`${(e as Error).message}\n`)
    return 2
  }
  const config = loadConfig(values.config ?? defaultConfig)
  const db = await openDatabase(config)
  try {
    const report = await usageReport(db, { by: values.by as UsageGroup, since, ...(values.team ? { team: values.team } : {}) })
    out.write(renderUsage(report, values.format as UsageFormat))
    return 0
  } catch (e) {
    if (/relation "calls" does not exist/.test((e as Error).message)) {
      err.write('No audit table yet: run `switchyard migrate` (or start the gateway once).\n')
      return 1
    }
    throw e
  } finally {
    await db.close()
  }
}
