import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load.js'
import { describeDatabase, openDatabase } from '../adapters/db/open-database.js'
import { migrate } from '../adapters/db/migrate.js'
import { openContextStore } from '../adapters/context/open-context-store.js'
import { SqlKeyRepository, SqlTeamRepository } from '../adapters/keys/sql-repositories.js'
import { createKeySchema, KeyAdmin, type CreateKeyInput } from '../identity/key-admin.js'
import { isGatewayError } from '../errors/gateway-error.js'
import { routeDatabase } from './gateway-route.js'
import { keysThroughGateway, type KeyOps, type KeyView } from './keys-through-gateway.js'

const USAGE = `Usage:
  switchyard keys create --team T [--name N] [--models a,b] [--rpm N] [--tpm N] [--expires ISO-8601] [--config FILE]
  switchyard keys list [--format table|json] [--config FILE]
  switchyard keys revoke ID [--config FILE]
Talks to the database directly (DATABASE_URL, or the embedded one in the config's data_dir). With REDIS_URL
set, a revocation reaches running gateways at once. While a gateway runs on the embedded data dir (PGlite
allows one process), set SWITCHYARD_ADMIN_TOKEN to its admin token: the command then goes through that
gateway's admin API and takes effect there at once. Without it the command is refused.
`

function table(rows: KeyView[]): string {
  const head = ['ID', 'TEAM', 'NAME', 'KEY', 'MODELS', 'RPM', 'EXPIRES', 'REVOKED', 'CREATED']
  const cells = rows.map((r) => [r.id, r.teamId, r.name, r.hint, r.models?.join(',') ?? '*', r.rpm === null ? '-' : String(r.rpm), r.expiresAt ?? '-', r.revokedAt ?? '-', r.createdAt])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  return [head, ...cells].map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n'
}

/** `switchyard keys create|list|revoke`. */
export async function runKeys(argv: string[], defaultConfig: string, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      team: { type: 'string' },
      name: { type: 'string' },
      models: { type: 'string' },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      expires: { type: 'string' },
      format: { type: 'string' },
    },
  })
  const [sub, id] = positionals
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    err.write(USAGE)
    return 2
  }
  if (sub === 'revoke' && !id) {
    err.write(USAGE)
    return 2
  }
  let createInput: CreateKeyInput | null = null
  if (sub === 'create') {
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v))
    const input = createKeySchema.safeParse({
      team: values.team, name: values.name ?? 'cli', rpm: num(values.rpm), tpm: num(values.tpm), expires_at: values.expires,
      models: values.models ? values.models.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    })
    if (!input.success) {
      const issue = input.error.issues[0]!
      err.write(`switchyard keys create: --${String(issue.path[0] ?? 'team').replace('expires_at', 'expires')}: ${issue.message}\n${USAGE}`)
      return 2
    }
    createInput = input.data
  }
  const config = loadConfig(values.config ?? defaultConfig)
  try {
    const route = await routeDatabase(config, { command: `keys ${sub}`, adminApi: 'POST/GET/DELETE /admin/keys' })
    if (route.kind === 'gateway') {
      const where = `the running gateway at ${route.url} (pid ${route.pid}, ${describeDatabase(config)})`
      return await keysCommand(keysThroughGateway(route), { sub, id, createInput, format: values.format, where, revoked: () => `the running gateway at ${route.url} refuses it now` }, out, err)
    }
    const db = await openDatabase(config, { command: `keys ${sub}` })
    const ctx = await openContextStore(config.env, { prefix: config.gateway.storage.redis_prefix, waitMs: 3000 }).catch(async (e: unknown) => {
      await db.close()
      throw e
    })
    try {
      await migrate(db)
      const admin = new KeyAdmin({ configTeams: () => config.gateway.teams, keys: new SqlKeyRepository(db), teams: new SqlTeamRepository(db), store: ctx.store })
      const revoked = (propagated: boolean) =>
        ctx.store.kind === 'redis' ? (propagated ? 'running gateways notified' : 'Redis unreachable: running gateways refuse it within seconds') : 'no REDIS_URL: running gateways refuse it within seconds'
      return await keysCommand(admin, { sub, id, createInput, format: values.format, where: describeDatabase(config), revoked }, out, err)
    } finally {
      await ctx.store.close()
      await db.close()
    }
  } catch (e) {
    if (isGatewayError(e)) {
      err.write(`switchyard keys ${sub}: ${e.message}\n`)
      return 1
    }
    throw e
  }
}

interface KeysRun {
  sub: 'create' | 'list' | 'revoke'
  id: string | undefined
  createInput: CreateKeyInput | null
  format: string | undefined
  /** Where the change was made, for the confirmation line. */
  where: string
  /** How running gateways learn of a revocation. */
  revoked: (propagated: boolean) => string
}

/** The same output whichever way the keys are reached. */
async function keysCommand(ops: KeyOps, run: KeysRun, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (run.sub === 'create') {
    const { key, record } = await ops.createKey(run.createInput!)
    out.write(`${key}\n`)
    err.write(`created ${record.id} for team ${record.teamId} (name ${record.name}) in ${run.where}. Store the key now: it is not shown again.\n`)
    return 0
  }
  if (run.sub === 'list') {
    const rows = await ops.listKeys()
    out.write(run.format === 'json' ? `${JSON.stringify(rows, (k, v) => (k === 'hash' ? undefined : v), 2)}\n` : table(rows))
    return 0
  }
  const res = await ops.revokeKey(run.id!)
  if (!res) {
    err.write(`switchyard keys revoke: no key with id "${run.id}"\n`)
    return 1
  }
  out.write(`revoked ${res.record.id} (${res.record.teamId}/${res.record.name}) at ${res.record.revokedAt}; ${run.revoked(res.propagated)}\n`)
  return 0
}
