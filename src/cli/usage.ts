import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load.js'
import { openDatabase } from '../adapters/db/open-database.js'
import { parseSince, renderUsage, usageFormats, usageGroups, usageReport, type UsageFormat, type UsageGroup, type UsageReport } from '../adapters/audit/usage-report.js'
import { isGatewayError } from '../errors/gateway-error.js'
import { adminCall, routeDatabase } from './gateway-route.js'

const USAGE = `Usage: switchyard usage [--by team|model|key|session] [--since 7d] [--format table|csv|json] [--team T] [--config FILE]
Reads the audit log (DATABASE_URL, or the embedded database in the config's data_dir). While a gateway runs on
the embedded data dir (PGlite allows one process), set SWITCHYARD_ADMIN_TOKEN to its admin token: the report
then comes from that gateway's GET /admin/usage. Without it the command is refused.
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
  const opts = { by: values.by as UsageGroup, since, ...(values.team ? { team: values.team } : {}) }
  try {
    const route = await routeDatabase(config, { command: 'usage', adminApi: 'GET /admin/usage' })
    if (route.kind === 'gateway') {
      const query = new URLSearchParams({ by: opts.by, since: since.toISOString(), format: 'json', ...(opts.team ? { team: opts.team } : {}) })
      out.write(renderUsage(await adminCall<UsageReport>(route, 'GET', `/admin/usage?${query}`), values.format as UsageFormat))
      return 0
    }
    const db = await openDatabase(config, { command: 'usage' })
    try {
      out.write(renderUsage(await usageReport(db, opts), values.format as UsageFormat))
      return 0
    } finally {
      await db.close()
    }
  } catch (e) {
    if (/relation "calls" does not exist/.test((e as Error).message)) {
      err.write('No audit table yet: run `switchyard migrate` (or start the gateway once).\n')
      return 1
    }
    if (isGatewayError(e)) {
      err.write(`switchyard usage: ${e.message}\n`)
      return 1
    }
    throw e
  }
}
