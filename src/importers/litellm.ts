import { z } from 'zod'
import { ConfigError, type YamlSource } from '../config/yaml-source.js'
import { contextWindow } from './context-windows.js'
import { emptyPlan, envName, ProviderPool, type ImportPlan, type ModelDoc, type ProviderDoc, type TargetDoc } from './plan.js'

/** The parts of a LiteLLM proxy config.yaml the import reads; everything else is reported as not carried. */
const deployment = z.looseObject({
  model_name: z.string().min(1),
  litellm_params: z.looseObject({
    model: z.string().min(1),
    api_key: z.string().optional(),
    api_base: z.string().optional(),
    api_version: z.string().optional(),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    weight: z.number().positive().optional(),
    timeout: z.number().positive().optional(),
    input_cost_per_token: z.number().nonnegative().optional(),
    output_cost_per_token: z.number().nonnegative().optional(),
  }),
  model_info: z.looseObject({ max_input_tokens: z.number().int().positive().optional() }).optional(),
})
const fallbackList = z.array(z.record(z.string(), z.array(z.string())))
const litellmConfig = z.looseObject({
  model_list: z.array(deployment).min(1, 'model_list is empty: nothing to import'),
  router_settings: z.looseObject({
    routing_strategy: z.string().optional(),
    num_retries: z.number().int().nonnegative().optional(),
    timeout: z.number().positive().optional(),
    fallbacks: fallbackList.optional(),
    default_fallbacks: z.array(z.string()).optional(),
    context_window_fallbacks: fallbackList.optional(),
    model_group_alias: z.record(z.string(), z.union([z.string(), z.looseObject({ model: z.string() })])).optional(),
  }).optional(),
  litellm_settings: z.looseObject({
    num_retries: z.number().int().nonnegative().optional(),
    request_timeout: z.number().positive().optional(),
    fallbacks: fallbackList.optional(),
    default_fallbacks: z.array(z.string()).optional(),
    context_window_fallbacks: fallbackList.optional(),
  }).optional(),
})

/** Where an OpenAI-compatible prefix lives when the entry gives no api_base. */
const openaiCompatible: Record<string, string> = {
  groq: 'https://api.groq.com/openai/v1',
  mistral: 'https://api.mistral.ai/v1',
  together_ai: 'https://api.together.xyz/v1',
  deepseek: 'https://api.deepseek.com/v1',
  fireworks_ai: 'https://api.fireworks.ai/inference/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  perplexity: 'https://api.perplexity.ai',
  xai: 'https://api.x.ai/v1',
}

/** Keys LiteLLM reads that Switchyard has no counterpart for (per section), with why. */
const notCarried: Record<string, string> = {
  callbacks: 'callbacks: Switchyard audits every call to Postgres and exports Prometheus metrics and OTel traces instead',
  success_callback: 'success callbacks: see the audit log, metrics and traces',
  failure_callback: 'failure callbacks: see the audit log, metrics and traces',
  service_callback: 'service callbacks: see the metrics',
  guardrails: 'guardrails: use policy rules (deny, route, set) instead',
  cache: 'caching: use the `cache:` policy action (Response cache in the README)',
  cache_params: 'cache backend settings: the response cache uses REDIS_URL',
  master_key: 'master key: Switchyard callers use per-team keys (`switchyard keys create`) and SWITCHYARD_ADMIN_TOKEN for the admin API',
  database_url: 'database_url: set DATABASE_URL in the environment',
  store_model_in_db: 'models stored in the database: Switchyard keeps models in Git (gateway.yaml)',
  alerting: 'alerting: use the Prometheus rules in deploy/prometheus',
  drop_params: 'drop_params: Switchyard refuses what a provider cannot do with a 400 naming the field',
  set_verbose: 'set_verbose: use server.log_level',
  content_policy_fallbacks: 'content-policy fallbacks: not expressible (Switchyard falls back on failures, not on refusals)',
  environment_variables: 'environment_variables: put them in the gateway\'s environment (secrets never live in config)',
  redis_host: 'Redis settings: set REDIS_URL in the environment (limits, sessions and the cache share it across replicas)',
  redis_port: 'Redis settings: set REDIS_URL in the environment',
  redis_password: 'Redis settings: set REDIS_URL in the environment',
  redis_url: 'Redis settings: set REDIS_URL in the environment',
}

function reportUnknown(src: YamlSource, plan: ImportPlan, value: Record<string, unknown>): void {
  const known = new Set(['model_list', 'router_settings', 'litellm_settings', 'general_settings', 'environment_variables'])
  for (const key of Object.keys(value)) {
    if (!known.has(key)) plan.notes.push({ line: src.locateKey([key]).line, message: `${key}: ${notCarried[key] ?? 'not a section the import knows; not carried'}` })
  }
  if (value.environment_variables !== undefined) plan.notes.push({ line: src.locateKey(['environment_variables']).line, message: notCarried.environment_variables! })
  for (const section of ['litellm_settings', 'general_settings', 'router_settings']) {
    const s = value[section]
    if (!s || typeof s !== 'object') continue
    const handled = new Set(['routing_strategy', 'num_retries', 'timeout', 'fallbacks', 'default_fallbacks', 'context_window_fallbacks', 'model_group_alias', 'request_timeout'])
    for (const key of Object.keys(s)) {
      if (handled.has(key) && section !== 'general_settings') continue
      plan.notes.push({ line: src.locateKey([section, key]).line, message: `${section}.${key}: ${notCarried[key] ?? 'no Switchyard counterpart; not carried'}` })
    }
  }
}

/** `os.environ/NAME` → NAME; a literal key is not carried (keys never live in Switchyard's config). */
function keyEnv(key: string | undefined, fallbackName: string, at: number, plan: ImportPlan): string | undefined {
  if (key === undefined) return undefined
  const m = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(key.trim())
  if (m) return m[1]
  plan.notes.push({ line: at, message: `api_key is written in the file: not carried. Put the key in the environment variable ${fallbackName} (api_key_env)` })
  return fallbackName
}

/** A LiteLLM `model` string (`openai/gpt-4o`, `hosted_vllm/...`, `azure/deployment`) as a provider entry and upstream model. */
function providerFor(p: z.output<typeof deployment>['litellm_params'], modelName: string, at: number, keyAt: number, plan: ImportPlan, pool: ProviderPool): TargetDoc | null {
  const slash = p.model.indexOf('/')
  const prefix = slash > 0 ? p.model.slice(0, slash) : 'openai'
  const model = slash > 0 ? p.model.slice(slash + 1) : p.model
  const env = (name: string) => keyEnv(p.api_key, envName(p.api_key && !p.api_key.startsWith('os.environ/') ? modelName : name), keyAt, plan)
  let doc: ProviderDoc
  let preferred = prefix
  switch (prefix) {
    case 'openai':
    case 'text-completion-openai':
      doc = { type: 'openai', ...(p.api_base ? { base_url: p.api_base } : {}) }
      preferred = 'openai'
      break
    case 'hosted_vllm':
    case 'vllm':
      if (!p.api_base) {
        plan.notes.push({ line: at, message: `${p.model}: a hosted vLLM model needs api_base; not carried` })
        return null
      }
      doc = { type: 'openai', base_url: p.api_base }
      preferred = 'vllm'
      break
    case 'ollama':
    case 'ollama_chat': {
      const base = (p.api_base ?? 'http://localhost:11434').replace(/\/+$/, '')
      doc = { type: 'openai', base_url: base.endsWith('/v1') ? base : `${base}/v1` }
      preferred = 'ollama'
      break
    }
    case 'anthropic':
      doc = { type: 'anthropic', ...(p.api_base ? { base_url: p.api_base } : {}) }
      break
    case 'gemini':
      doc = { type: 'gemini', ...(p.api_base ? { base_url: p.api_base } : {}) }
      break
    case 'azure':
      if (!p.api_base) {
        plan.notes.push({ line: at, message: `${p.model}: an Azure deployment needs api_base (https://<resource>.openai.azure.com); not carried` })
        return null
      }
      doc = { type: 'azure', base_url: p.api_base, ...(p.api_version ? { api_version: p.api_version } : {}) }
      preferred = /^[a-z]/i.test(hostName(p.api_base)) ? `azure-${hostName(p.api_base).split('.')[0]}` : 'azure'
      break
    default: {
      const known = openaiCompatible[prefix]
      if (!known && !p.api_base) {
        plan.notes.push({ line: at, message: `${p.model}: provider "${prefix}" is not one Switchyard speaks (OpenAI-compatible, Anthropic, Gemini, Azure OpenAI); not carried` })
        return null
      }
      doc = { type: 'openai', base_url: p.api_base ?? known! }
    }
  }
  const key = env(preferred)
  if (key) doc.api_key_env = key
  return { provider: pool.name(preferred, doc), model }
}

function hostName(url: string): string {
  try {
    return new URL(url).hostname
  } catch {
    return 'custom'
  }
}

/** LiteLLM routing strategies and what Switchyard does instead. */
function strategyFor(name: string | undefined, weighted: boolean, at: number, plan: ImportPlan): ModelDoc['strategy'] {
  switch (name) {
    case undefined:
    case 'simple-shuffle':
      return weighted ? 'weighted' : 'fallback'
    case 'latency-based-routing':
      return 'least-latency'
    case 'cost-based-routing':
      return 'cheapest'
    default:
      plan.notes.push({ line: at, message: `routing_strategy ${name}: no Switchyard counterpart; deployments are picked by weight instead (per-deployment rpm/tpm are enforced as target limits)` })
      return 'weighted'
  }
}

/** A LiteLLM proxy config as a Switchyard import plan. Throws ConfigError (with the line) when its shape is wrong. */
export function importLitellm(src: YamlSource): ImportPlan {
  const plan = emptyPlan(src.file)
  const parsed = litellmConfig.safeParse(src.value)
  if (!parsed.success) throw new ConfigError(src.problemsFrom(parsed.error.issues))
  const cfg = parsed.data
  reportUnknown(src, plan, src.value as Record<string, unknown>)
  const pool = new ProviderPool(plan)
  const router = { ...cfg.litellm_settings, ...cfg.router_settings }

  // deployments by model_name, in order
  const groups = new Map<string, Array<{ target: TargetDoc; timeout?: number | undefined; window?: number | undefined }>>()
  cfg.model_list.forEach((d, i) => {
    const at = src.locateKey(['model_list', i, 'litellm_params', 'model']).line
    const target = providerFor(d.litellm_params, d.model_name, at, src.locateKey(['model_list', i, 'litellm_params', 'api_key']).line, plan, pool)
    if (!target) return
    const p = d.litellm_params
    if (p.weight !== undefined) target.weight = p.weight
    if (p.rpm !== undefined) target.rpm = p.rpm
    if (p.tpm !== undefined) target.tpm = p.tpm
    if (p.input_cost_per_token !== undefined || p.output_cost_per_token !== undefined) {
      plan.pricing[`${target.provider}/${target.model}`] = { input: round((p.input_cost_per_token ?? 0) * 1e6), output: round((p.output_cost_per_token ?? 0) * 1e6) }
    }
    const list = groups.get(d.model_name) ?? []
    list.push({ target, timeout: p.timeout, window: d.model_info?.max_input_tokens ?? contextWindow(target.model) })
    groups.set(d.model_name, list)
  })

  const strategyAt = src.locateKey(['router_settings', 'routing_strategy']).line
  for (const [name, deployments] of groups) {
    const weighted = deployments.length > 1
    const model: ModelDoc = { strategy: weighted ? strategyFor(router.routing_strategy, weighted, strategyAt, plan) : 'fallback', targets: deployments.map((d) => d.target) }
    if (!weighted) for (const t of model.targets) delete t.weight
    const timeouts = deployments.map((d) => d.timeout).filter((x): x is number => x !== undefined)
    if (timeouts.length > 0) model.timeouts = { total_ms: Math.round(Math.max(...timeouts) * 1000) }
    plan.models[name] = model
  }

  applyFallbacks(src, plan, [...(cfg.router_settings?.fallbacks ?? []), ...(cfg.litellm_settings?.fallbacks ?? [])], router.default_fallbacks ?? [])
  applyContextWindowFallbacks(src, plan, [...(cfg.router_settings?.context_window_fallbacks ?? []), ...(cfg.litellm_settings?.context_window_fallbacks ?? [])], groups)
  for (const [alias, to] of Object.entries(cfg.router_settings?.model_group_alias ?? {})) {
    const target = typeof to === 'string' ? to : to.model
    if (!(target in plan.models)) {
      plan.notes.push({ line: src.locateKey(['router_settings', 'model_group_alias', alias]).line, message: `model_group_alias ${alias} -> ${target}: no such model was imported; not carried` })
      continue
    }
    plan.rules.push({ name: `alias-${alias}`, when: { model: alias }, route: target })
    plan.tests.push({ name: `${alias} is an alias of ${target}`, request: chatRequest(alias), expect: { rule: `alias-${alias}`, route: target } })
  }

  const retries = router.num_retries
  if (retries !== undefined) plan.resilience.max_attempts = retries + 1
  const timeout = cfg.router_settings?.timeout ?? cfg.litellm_settings?.request_timeout
  if (timeout !== undefined) plan.resilience.timeouts = { total_ms: Math.round(timeout * 1000) }
  plan.tests.unshift(...Object.keys(plan.models).map((name) => ({ name: `${name} is served as configured`, request: chatRequest(name), expect: { rule: 'default', route: name } })))
  return plan
}

const round = (x: number) => Math.round(x * 1e6) / 1e6
const chatRequest = (model: string) => ({ model, messages: [{ role: 'user', content: 'hello' }] })

/** `fallbacks: [{gpt-4o: [claude]}]`: the model's `fallbacks`, tried in order once its own deployments fail. */
function applyFallbacks(src: YamlSource, plan: ImportPlan, fallbacks: Array<Record<string, string[]>>, defaults: string[]): void {
  const add = (from: string, to: string[], at: number) => {
    const model = plan.models[from]
    if (!model) {
      plan.notes.push({ line: at, message: `fallbacks for ${from}: no such model was imported; not carried` })
      return
    }
    for (const name of to) {
      if (!(name in plan.models) || name === from) {
        plan.notes.push({ line: at, message: `fallback ${from} -> ${name}: ${name === from ? 'a model cannot fall back to itself' : 'no such model was imported'}; not carried` })
        continue
      }
      if (wouldCycle(plan, name, from)) {
        plan.notes.push({ line: at, message: `fallback ${from} -> ${name}: ${name} already falls back to ${from}; not carried (fallbacks must not form a cycle)` })
        continue
      }
      model.fallbacks = [...(model.fallbacks ?? []).filter((f) => f !== name), name]
    }
  }
  fallbacks.forEach((f, i) => {
    const inRouter = src.locateKey(['router_settings', 'fallbacks', i]).line
    const at = inRouter > 1 ? inRouter : src.locateKey(['litellm_settings', 'fallbacks']).line
    for (const [from, to] of Object.entries(f)) add(from, to, at)
  })
  if (defaults.length > 0) for (const name of Object.keys(plan.models)) if (!defaults.includes(name)) add(name, defaults, src.locateKey(['router_settings', 'default_fallbacks']).line)
}

function wouldCycle(plan: ImportPlan, from: string, to: string, seen = new Set<string>()): boolean {
  if (from === to) return true
  if (seen.has(from)) return false
  seen.add(from)
  return (plan.models[from]?.fallbacks ?? []).some((f) => wouldCycle(plan, f, to, seen))
}

/** `context_window_fallbacks`: a policy rule on the prompt size, where the model's context window is known. */
function applyContextWindowFallbacks(src: YamlSource, plan: ImportPlan, fallbacks: Array<Record<string, string[]>>, groups: Map<string, Array<{ window?: number | undefined }>>): void {
  fallbacks.forEach((f, i) => {
    const at = src.locateKey(['router_settings', 'context_window_fallbacks', i]).line
    for (const [from, to] of Object.entries(f)) {
      const windows = (groups.get(from) ?? []).map((d) => d.window).filter((w): w is number => w !== undefined)
      const next = to.find((n) => n in plan.models)
      if (windows.length === 0 || !next || !(from in plan.models)) {
        plan.notes.push({ line: at, message: `context_window_fallbacks ${from} -> ${to.join(', ')}: ${windows.length === 0 ? `the context window of ${from} is unknown (set model_info.max_input_tokens)` : 'no such model was imported'}; not carried` })
        continue
      }
      const limit = Math.min(...windows)
      plan.rules.push({ name: `long-context-${from}`, when: { model: from, prompt_tokens: { gt: limit } }, route: next })
    }
  })
}
