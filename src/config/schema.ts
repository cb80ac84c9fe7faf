import { z } from 'zod'

/** Durations in milliseconds; each may be overridden per logical model. */
const timeoutsSchema = z.strictObject({
  connect_ms: z.number().int().positive().optional(),
  first_byte_ms: z.number().int().positive().optional(),
  idle_ms: z.number().int().positive().optional(),
  total_ms: z.number().int().positive().optional(),
})

const providerTypes = ['openai', 'anthropic', 'gemini', 'azure', 'demo'] as const

const providerSchema = z.strictObject({
  type: z.enum(providerTypes),
  base_url: z.url().optional(),
  /** Name of the environment variable holding the provider's key. Keys never live in config. */
  api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
  /** Extra static headers sent upstream (never secrets: use api_key_env). */
  headers: z.record(z.string(), z.string()).optional(),
  timeouts: timeoutsSchema.optional(),
  /** Azure: the api-version query parameter. Anthropic: the anthropic-version header. */
  api_version: z.string().optional(),
  /** Anthropic: max_tokens to send when the client set none (the API requires one). */
  default_max_tokens: z.number().int().positive().optional(),
  /** Upstream connections kept per origin. */
  connections: z.number().int().positive().max(4096).optional(),
})

const targetSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  weight: z.number().positive().optional(),
  /** Requests and tokens per minute this target may take, fleet-wide; over them the call moves on to the next target. */
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
})

const strategies = ['fallback', 'weighted', 'least-latency', 'cheapest'] as const

const logicalModelSchema = z.strictObject({
  strategy: z.enum(strategies).default('fallback'),
  targets: z.array(targetSchema).min(1),
  /** Logical models tried, in order, once every target of this one has failed (each in its own strategy's order). */
  fallbacks: z.array(z.string().min(1)).optional(),
  timeouts: timeoutsSchema.optional(),
  /** Shown in GET /v1/models. */
  description: z.string().optional(),
})

export const priceSchema = z.strictObject({
  input: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
  output: z.number().nonnegative(),
  reasoning: z.number().nonnegative().optional(),
})

const budgetSchema = z.strictObject({
  day: z.number().nonnegative().optional(),
  month: z.number().nonnegative().optional(),
})

const teamKeySchema = z.strictObject({
  name: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256 digest'),
  models: z.array(z.string()).optional(),
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  budget_usd: budgetSchema.optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
})

export const teamSchema = z.strictObject({
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  budget_usd: budgetSchema.optional(),
  /** Logical models (or provider/model) the team may request; absent = all. */
  models: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  context: z
    .strictObject({
      system_prompt: z.string().optional(),
      /** Request parameters applied when the client set none (temperature, max_tokens, ...). */
      defaults: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  keys: z.array(teamKeySchema).optional(),
})

const serverSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8080),
  body_limit_mb: z.number().positive().default(20),
  /** How long SIGTERM waits for in-flight calls before closing them. */
  drain_timeout_ms: z.number().int().nonnegative().default(30_000),
  /**
   * After SIGTERM, how long the gateway goes on accepting and serving calls while /readyz answers 503,
   * before it closes its listener: a load balancer that polls readiness stops sending first, so no
   * connection is left in the listen queue when it closes (such a connection is reset). Kubernetes'
   * preStop sleep does the same job.
   */
  shutdown_delay_ms: z.number().int().nonnegative().default(0),
  /** Honour an incoming x-request-id when it looks sane. */
  trust_request_id: z.boolean().default(true),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

const authSchema = z.strictObject({
  /** Let calls without a key in as this team (demo setups only). */
  anonymous_team: z.string().optional(),
})

const auditSchema = z.strictObject({
  bodies: z.enum(['none', 'redacted', 'full']).default('none'),
  batch_ms: z.number().int().positive().default(100),
  batch_rows: z.number().int().positive().default(500),
  queue_max: z.number().int().positive().default(50_000),
  /** A batch write slower than this goes to the spool instead (a late commit is deduplicated). */
  write_timeout_ms: z.number().int().positive().default(5_000),
  /**
   * Where audit rows wait while the database is unreachable. Relative to this config file's folder unless
   * absolute; absent = `spool` in the data directory.
   */
  spool_dir: z.string().min(1).optional(),
  /** Run migrations at start (embedded storage always does). */
  migrate_on_start: z.boolean().default(true),
})

const sessionsSchema = z.strictObject({
  max_turns: z.number().int().positive().default(50),
  max_tokens: z.number().int().positive().default(32_000),
  ttl_s: z.number().int().positive().default(86_400),
  /** When the session store is unreachable: `open` serves the call without history, `closed` answers 503. */
  on_store_error: z.enum(['open', 'closed']).default('open'),
})

export const resilienceSchema = z.strictObject({
  /** Attempts per target, first try included. */
  max_attempts: z.number().int().positive().max(10).default(3),
  backoff_base_ms: z.number().int().nonnegative().default(100),
  backoff_max_ms: z.number().int().nonnegative().default(2_000),
  retry_after_cap_ms: z.number().int().nonnegative().default(10_000),
  breaker: z
    .strictObject({
      failures: z.number().int().positive().default(5),
      cooldown_ms: z.number().int().positive().default(30_000),
    })
    .prefault({}),
  timeouts: timeoutsSchema.prefault({}),
})

const limitsSchema = z.strictObject({
  /** What to do when the counter store is unreachable. */
  on_store_error: z.enum(['open', 'closed']).default('open'),
  /** Prefix of every limit counter key in Redis (no braces: the team is the hash tag). */
  key_prefix: z.string().regex(/^[^{}]*$/, 'must not contain braces').default('sy:lim:'),
  /** Length of the request and token windows. */
  window_ms: z.number().int().positive().default(60_000),
  /** How long actual usage may wait before it is written to Redis when no request of its team follows. */
  flush_ms: z.number().int().positive().default(250),
  /** Redis command timeout for the limiter: past it the store counts as down. */
  command_timeout_ms: z.number().int().positive().default(500),
  /** Requests per minute per client IP on routes that are not proxied calls (/v1/models, /admin); absent = off. */
  ip_rpm: z.number().int().positive().optional(),
})

const storageSchema = z.strictObject({
  /**
   * Where the embedded database and the audit spool live: relative to this config file's folder unless
   * absolute. Absent = $SWITCHYARD_DATA_DIR when set (the container image sets it to its data volume),
   * else `data` next to this config file.
   */
  data_dir: z.string().min(1).optional(),
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  redis_prefix: z.string().min(1).max(64).default('sy:'),
})

const policyRef = z.union([z.string().min(1), z.record(z.string(), z.unknown())])

export const gatewayConfigSchema = z.strictObject({
  server: serverSchema.prefault({}),
  auth: authSchema.prefault({}),
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'provider names are lowercase [a-z0-9_-]'), providerSchema),
  models: z.record(z.string(), logicalModelSchema).default({}),
  /** Inline table, or a path to a YAML file holding one. */
  pricing: z.union([z.string(), z.record(z.string(), priceSchema)]).optional(),
  teams: z.record(z.string(), teamSchema).default({}),
  /** A path to the policy file (relative to this file), or the policy inline. */
  policy: policyRef.optional(),
  audit: auditSchema.prefault({}),
  sessions: sessionsSchema.prefault({}),
  resilience: resilienceSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  storage: storageSchema.prefault({}),
})

export type GatewayConfigFile = z.output<typeof gatewayConfigSchema>
export type ProviderConfig = z.output<typeof providerSchema>
export type ProviderType = (typeof providerTypes)[number]
export type LogicalModelConfig = z.output<typeof logicalModelSchema>
type Price = z.output<typeof priceSchema>
export type PricingTable = Record<string, Price>
export type TeamConfig = z.output<typeof teamSchema>
export type Timeouts = z.output<typeof timeoutsSchema>
export type ResilienceConfig = z.output<typeof resilienceSchema>
export type AuditConfig = z.output<typeof auditSchema>
export type SessionsConfig = z.output<typeof sessionsSchema>
export type LimitsConfig = z.output<typeof limitsSchema>
