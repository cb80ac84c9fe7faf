import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load.js'
import { describeDatabase, openDatabase } from '../adapters/db/open-database.js'
import { migrate } from '../adapters/db/migrate.js'
import { openContextStore } from '../adapters/context/open-context-store.js'
import { SqlKeyRepository, SqlTeamRepository } from '../adapters/keys/sql-repositories.js'
import { createKeySchema, KeyAdmin, type CreateKeyInput } from '../identity/key-admin.js'
import type { ApiKeyRecord } from '../identity/records.js'
import { isGatewayError } from '../errors/gateway-error.js'

const USAGE = `Usage:
  switchyard keys create --team T [--name N] [--models a,b] [--rpm N] [--tpm N] [--expires ISO-8601] [--config FILE]
  switchyard keys list [--format table|json] [--config FILE]
  switchyard keys revoke ID [--config FILE]
Talks to the database directly (DATABASE_URL, or the embedded one in the config's data_dir: stop the
gateway first, PGlite allows one process). With REDIS_URL set, a revocation reaches running gateways at once.
`

function table(rows: ApiKeyRecord[]): string {
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
  const db = await openDatabase(config)
  const ctx = await openContextStore(config.env, { prefix: config.gateway.storage.redis_prefix, waitMs: 3000 })
  try {
    await migrate(db)
    const admin = new KeyAdmin({ configTeams: () => config.gateway.teams, keys: new SqlKeyRepository(db), teams: new SqlTeamRepository(db), store: ctx.store })
    if (sub === 'create') {
      const { key, record } = await admin.createKey(createInput!)
      out.write(`${key}\n`)
      err.write(`created ${record.id} for team ${record.teamId} (name ${record.name}) in ${describeDatabase(config)}. Store the key now: it is not shown again.\n`)
      return 0
    }
    if (sub === 'list') {
      const rows = await admin.listKeys()
      out.write(values.format === 'json' ? `${JSON.stringify(rows, (k, v) => (k === 'hash' ? undefined : v), 2)}\n` : table(rows))
      return 0
    }
    const res = await admin.revokeKey(id!)
    if (!res) {
      err.write(`switchyard keys revoke: no key with id "${id}"\n`)
      return 1
    }
    const how = ctx.store.kind === 'redis' ? (res.propagated ? 'running gateways notified' : 'Redis unreachable: running gateways refuse it within seconds') : 'no REDIS_URL: running gateways refuse it within seconds'
    out.write(`revoked ${res.record.id} (${res.record.teamId}/${res.record.name}) at ${res.record.revokedAt}; ${how}\n`)
    return 0
  } catch (e) {
    if (isGatewayError(e)) {
      err.write(`switchyard keys ${sub}: ${e.message}\n`)
      return 1
    }
    throw e
  } finally {
    await ctx.store.close()
    await db.close()
  }
}
