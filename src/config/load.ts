import { dirname, join, resolve } from 'node:path'
import { ConfigError, YamlSource } from './yaml-source.js'
import { gatewayConfigSchema, priceSchema, type GatewayConfigFile, type PricingTable } from './schema.js'
import { z } from 'zod'

/** Where the policy comes from: a file next to the config, or inline in it. */
export type PolicySource =
  | { kind: 'file'; source: YamlSource }
  | { kind: 'inline'; source: YamlSource; path: ReadonlyArray<string>; value: unknown }

/** Settings read from the environment. This module is the only reader of process.env. */
export interface EnvSettings {
  databaseUrl: string | undefined
  redisUrl: string | undefined
  adminToken: string | undefined
  otelEnabled: boolean
  /** OTEL_SERVICE_NAME, when set (the SDK reads it; otherwise the service is "switchyard"). */
  otelServiceName: string | undefined
  /**
   * SWITCHYARD_AUDIT_SINK=memory keeps the latest audit rows in memory only; `off` drops them (the
   * benchmark's audit-off baseline). Neither is for production.
   */
  auditSink: 'database' | 'memory' | 'off'
}

export interface GatewayConfig {
  /** Absolute path of the gateway config file. */
  file: string
  dir: string
  gateway: GatewayConfigFile
  pricing: PricingTable
  policy: PolicySource | null
  /** Provider name -> API key, resolved from api_key_env. Never logged. */
  secrets: ReadonlyMap<string, string>
  env: EnvSettings
  /** Absolute data directory for embedded storage and the audit spool (storage.data_dir, relative to `dir`). */
  dataDir: string
  /** Absolute audit spool directory (audit.spool_dir relative to `dir`, or `<dataDir>/spool`). */
  spoolDir: string
  /** Files to watch for hot reload. */
  watchedFiles: string[]
}

function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const nonEmpty = (v: string | undefined) => (v && v.trim() !== '' ? v : undefined)
  return {
    databaseUrl: nonEmpty(env.DATABASE_URL),
    redisUrl: nonEmpty(env.REDIS_URL),
    adminToken: nonEmpty(env.SWITCHYARD_ADMIN_TOKEN),
    otelServiceName: nonEmpty(env.OTEL_SERVICE_NAME),
    auditSink: env.SWITCHYARD_AUDIT_SINK === 'memory' || env.SWITCHYARD_AUDIT_SINK === 'off' ? env.SWITCHYARD_AUDIT_SINK : 'database',
    otelEnabled: env.OTEL_SDK_DISABLED !== 'true' && Boolean(nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)),
  }
}

const pricingFileSchema = z.record(z.string(), priceSchema)

function loadPricing(cfg: GatewayConfigFile, src: YamlSource, dir: string): { table: PricingTable; files: string[] } {
  if (cfg.pricing === undefined) return { table: {}, files: [] }
  if (typeof cfg.pricing !== 'string') return { table: cfg.pricing, files: [] }
  const file = resolve(dir, cfg.pricing)
  const pricingSrc = YamlSource.read(file)
  const raw = (pricingSrc.value as { pricing?: unknown } | null)?.pricing ?? pricingSrc.value
  const parsed = pricingFileSchema.safeParse(raw)
  if (!parsed.success) {
    const prefix = (pricingSrc.value as { pricing?: unknown } | null)?.pricing === undefined ? [] : ['pricing']
    throw new ConfigError(pricingSrc.problemsFrom(parsed.error.issues, prefix))
  }
  void src
  return { table: parsed.data, files: [file] }
}

/** Cross-references zod cannot express: targets name known providers, teams name known models. */
function checkReferences(cfg: GatewayConfigFile, src: YamlSource): void {
  const problems = []
  for (const [name, model] of Object.entries(cfg.models)) {
    model.targets.forEach((t, i) => {
      if (!(t.provider in cfg.providers)) {
        problems.push(...src.problemsFrom([{ code: 'custom', path: ['models', name, 'targets', i, 'provider'], message: `unknown provider "${t.provider}"`, input: t.provider }]))
      }
    })
  }
  for (const [name, model] of Object.entries(cfg.models)) {
    ;(model.fallbacks ?? []).forEach((f, i) => {
      const at = ['models', name, 'fallbacks', i]
      if (!(f in cfg.models)) problems.push(...src.problemsFrom([{ code: 'custom', path: at, message: `unknown logical model "${f}"`, input: f }]))
      else if (reaches(cfg, f, name)) problems.push(...src.problemsFrom([{ code: 'custom', path: at, message: `"${f}" falls back to "${name}" in turn: fallbacks must not form a cycle`, input: f }]))
    })
  }
  for (const [name, p] of Object.entries(cfg.providers)) {
    if (p.type === 'azure' && p.base_url === undefined) {
      problems.push(...src.problemsFrom([{ code: 'custom', path: ['providers', name, 'type'], message: `provider "${name}": type azure needs base_url (https://<resource>.openai.azure.com)`, input: p.type }]))
    }
  }
  if (cfg.auth.anonymous_team !== undefined && !(cfg.auth.anonymous_team in cfg.teams)) {
    problems.push(...src.problemsFrom([{ code: 'custom', path: ['auth', 'anonymous_team'], message: `unknown team "${cfg.auth.anonymous_team}"`, input: cfg.auth.anonymous_team }]))
  }
  if (problems.length > 0) throw new ConfigError(problems)
}

/** Whether model `from` reaches `to` through fallbacks (a cycle check). */
function reaches(cfg: GatewayConfigFile, from: string, to: string, seen = new Set<string>()): boolean {
  if (from === to) return true
  if (seen.has(from)) return false
  seen.add(from)
  return (cfg.models[from]?.fallbacks ?? []).some((f) => reaches(cfg, f, to, seen))
}

/** Reads, validates and freezes the gateway config. Throws ConfigError with FILE:LINE:COL problems. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const file = resolve(path)
  const dir = dirname(file)
  const src = YamlSource.read(file)
  const parsed = gatewayConfigSchema.safeParse(src.value)
  if (!parsed.success) throw new ConfigError(src.problemsFrom(parsed.error.issues))
  const gateway = parsed.data
  checkReferences(gateway, src)

  const pricing = loadPricing(gateway, src, dir)
  let policy: PolicySource | null = null
  const watchedFiles = [file, ...pricing.files]
  if (typeof gateway.policy === 'string') {
    const policyFile = resolve(dir, gateway.policy)
    policy = { kind: 'file', source: YamlSource.read(policyFile) }
    watchedFiles.push(policyFile)
  } else if (gateway.policy !== undefined) {
    policy = { kind: 'inline', source: src, path: ['policy'], value: gateway.policy }
  }

  const secrets = new Map<string, string>()
  for (const [name, p] of Object.entries(gateway.providers)) {
    const value = p.api_key_env ? env[p.api_key_env] : undefined
    if (value) secrets.set(name, value)
  }

  // paths written in the config are relative to its folder, like `policy` and `pricing`
  const envDataDir = env.SWITCHYARD_DATA_DIR?.trim() ? resolve(env.SWITCHYARD_DATA_DIR) : undefined
  const dataDir = gateway.storage.data_dir !== undefined ? resolve(dir, gateway.storage.data_dir) : (envDataDir ?? resolve(dir, 'data'))
  const spoolDir = gateway.audit.spool_dir !== undefined ? resolve(dir, gateway.audit.spool_dir) : join(dataDir, 'spool')
  return deepFreeze({ file, dir, gateway, pricing: pricing.table, policy, secrets, env: readEnv(env), dataDir, spoolDir, watchedFiles })
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof Map) && !(value instanceof YamlSource)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
