import { basename, extname } from 'node:path'
import { z } from 'zod'
import { ConfigError, type YamlSource } from '../config/yaml-source.js'
import { conditionFromQuery, sampleMetadata } from './portkey-query.js'
import { emptyPlan, envName, ProviderPool, type ImportPlan, type ModelDoc, type ProviderDoc, type TargetDoc } from './plan.js'

interface PortkeyTarget {
  name?: string | undefined
  provider?: string | undefined
  api_key?: string | undefined
  virtual_key?: string | undefined
  custom_host?: string | undefined
  weight?: number | undefined
  override_params?: Record<string, unknown> | undefined
  strategy?: { mode: string; on_status_codes?: number[] | undefined; conditions?: Array<{ query: Record<string, unknown>; then: string }> | undefined; default?: string | undefined } | undefined
  targets?: PortkeyTarget[] | undefined
  retry?: { attempts?: number | undefined; on_status_codes?: number[] | undefined } | undefined
  request_timeout?: number | undefined
  [key: string]: unknown
}

const strategy = z.looseObject({
  mode: z.enum(['single', 'fallback', 'loadbalance', 'conditional']),
  on_status_codes: z.array(z.number().int()).optional(),
  conditions: z.array(z.looseObject({ query: z.record(z.string(), z.unknown()), then: z.string() })).optional(),
  default: z.string().optional(),
})
const target: z.ZodType<PortkeyTarget> = z.lazy(() =>
  z.looseObject({
    name: z.string().optional(),
    provider: z.string().optional(),
    api_key: z.string().optional(),
    virtual_key: z.string().optional(),
    custom_host: z.string().optional(),
    weight: z.number().nonnegative().optional(),
    override_params: z.record(z.string(), z.unknown()).optional(),
    strategy: strategy.optional(),
    targets: z.array(target).optional(),
    retry: z.looseObject({ attempts: z.number().int().nonnegative().optional(), on_status_codes: z.array(z.number().int()).optional() }).optional(),
    request_timeout: z.number().positive().optional(),
  }),
)

/** Portkey provider slugs Switchyard can reach, as a provider entry (OpenAI-compatible ones with their base URL). */
const providers: Record<string, Pick<ProviderDoc, 'type' | 'base_url'>> = {
  openai: { type: 'openai' },
  anthropic: { type: 'anthropic' },
  google: { type: 'gemini' },
  'azure-openai': { type: 'azure' },
  groq: { type: 'openai', base_url: 'https://api.groq.com/openai/v1' },
  'mistral-ai': { type: 'openai', base_url: 'https://api.mistral.ai/v1' },
  'together-ai': { type: 'openai', base_url: 'https://api.together.xyz/v1' },
  deepseek: { type: 'openai', base_url: 'https://api.deepseek.com/v1' },
  'fireworks-ai': { type: 'openai', base_url: 'https://api.fireworks.ai/inference/v1' },
  openrouter: { type: 'openai', base_url: 'https://openrouter.ai/api/v1' },
  ollama: { type: 'openai', base_url: 'http://localhost:11434/v1' },
}

/** The codes Switchyard retries or falls back on by itself (README "Resilience"). */
const FALLBACK_CODES = [401, 403, 404, 408, 429, 500, 502, 503, 504, 529]

class Importer {
  readonly plan: ImportPlan
  private readonly pool: ProviderPool

  constructor(private readonly src: YamlSource) {
    this.plan = emptyPlan(src.file)
    this.pool = new ProviderPool(this.plan)
  }

  private line(path: ReadonlyArray<PropertyKey>): number {
    return this.src.locateKey(path).line
  }

  private note(path: ReadonlyArray<PropertyKey>, message: string): void {
    this.plan.notes.push({ line: this.line(path), message })
  }

  /** One leaf target (a provider and a model) as a Switchyard target, or null when it cannot be carried. */
  leaf(t: PortkeyTarget, path: ReadonlyArray<PropertyKey>, inherited: PortkeyTarget): TargetDoc | null {
    const slug = t.provider ?? inherited.provider
    const model = t.override_params?.model ?? inherited.override_params?.model
    if (!slug) {
      this.note(path, `a target without \`provider\`${t.virtual_key ? ` (virtual key ${t.virtual_key}: Portkey's vault)` : ''}: not carried; name the provider and put its key in an environment variable`)
      return null
    }
    const base = providers[slug]
    if (!base) {
      this.note([...path, 'provider'], `provider "${slug}" is not one Switchyard speaks (OpenAI-compatible, Anthropic, Gemini, Azure OpenAI); not carried`)
      return null
    }
    if (typeof model !== 'string') {
      this.note(path, `a ${slug} target without override_params.model: Switchyard needs the upstream model; not carried`)
      return null
    }
    const host = t.custom_host ?? inherited.custom_host
    const doc: ProviderDoc = { type: base.type, ...(host ? { base_url: host } : base.base_url ? { base_url: base.base_url } : {}) }
    const name = t.name ?? slug
    if (t.api_key !== undefined || inherited.api_key !== undefined) this.note([...path, 'api_key'], `api_key is written in the config: not carried. Put the key in the environment variable ${envName(name)} (api_key_env)`)
    if (t.virtual_key !== undefined) this.note([...path, 'virtual_key'], `virtual_key ${t.virtual_key} lives in Portkey's vault: put the provider key in the environment variable ${envName(name)} (api_key_env)`)
    doc.api_key_env = envName(name)
    const extra = Object.keys(t.override_params ?? {}).filter((k) => k !== 'model')
    if (extra.length > 0) this.note([...path, 'override_params'], `override_params ${extra.join(', ')} on one target: Switchyard sets parameters per policy rule, not per target; not carried`)
    const out: TargetDoc = { provider: this.pool.name(slug, doc), model }
    if (t.weight !== undefined && t.weight > 0) out.weight = t.weight
    return out
  }

  /**
   * A target or a group of targets as a logical model named `name` (and, for a fallback group whose
   * later members are groups, one model per such member in its `fallbacks`). Returns the name, or
   * null when nothing of it can be carried.
   */
  group(t: PortkeyTarget, path: ReadonlyArray<PropertyKey>, inherited: PortkeyTarget, name: string): string | null {
    const scope: PortkeyTarget = { ...inherited, ...t, override_params: { ...inherited.override_params, ...t.override_params } }
    if (!t.targets || t.targets.length === 0) {
      const leaf = this.leaf(t, path, inherited)
      if (!leaf) return null
      delete leaf.weight
      this.plan.models[name] = this.withTimeout({ strategy: 'fallback', targets: [leaf] }, scope)
      return name
    }
    const mode = t.strategy?.mode ?? 'single'
    this.checkCodes(t, path)
    const children = t.targets.map((c, i) => ({ c, at: [...path, 'targets', i] as ReadonlyArray<PropertyKey> }))
    if (mode === 'conditional') {
      this.note([...path, 'strategy'], 'a nested conditional: only a config\'s top level can route on conditions; not carried')
      return null
    }
    if (mode === 'fallback') {
      // leading plain targets are the model's own; every member after a group is a fallback model of its own
      const own: TargetDoc[] = []
      const fallbacks: string[] = []
      for (const [i, { c, at }] of children.entries()) {
        const isLeaf = !c.targets || c.targets.length === 0
        if (isLeaf && fallbacks.length === 0) {
          const leaf = this.leaf(c, at, scope)
          if (leaf) own.push(leaf)
          continue
        }
        const sub = this.group(c, at, scope, `${name}-${i + 1}`)
        if (sub) fallbacks.push(sub)
      }
      if (own.length === 0) {
        // the first member was a group: it stands in for the model, the rest follow it
        const first = fallbacks.shift()
        if (!first) return null
        const model = this.plan.models[first]!
        delete this.plan.models[first]
        this.plan.models[name] = { ...model, fallbacks: [...(model.fallbacks ?? []), ...fallbacks] }
        return name
      }
      for (const l of own) delete l.weight
      this.plan.models[name] = this.withTimeout({ strategy: 'fallback', targets: own, ...(fallbacks.length > 0 ? { fallbacks } : {}) }, scope)
      return name
    }
    // loadbalance (or single): plain targets; a nested group's targets join the spread
    const leaves: TargetDoc[] = []
    const walk = (node: PortkeyTarget, at: ReadonlyArray<PropertyKey>) => {
      if (!node.targets || node.targets.length === 0) {
        const leaf = this.leaf(node, at, scope)
        if (leaf) leaves.push(leaf)
        return
      }
      this.note([...at, 'strategy'], `a nested ${node.strategy?.mode ?? 'single'} inside a ${mode}: its targets join the ${mode} (a spread cannot hold an ordered group); weights are kept`)
      node.targets.forEach((c, i) => walk(c, [...at, 'targets', i]))
    }
    for (const { c, at } of children) walk(c, at)
    if (leaves.length === 0) return null
    if (mode === 'single') leaves.length = 1
    if (mode !== 'loadbalance') for (const l of leaves) delete l.weight
    this.plan.models[name] = this.withTimeout({ strategy: mode === 'loadbalance' ? 'weighted' : 'fallback', targets: leaves }, scope)
    return name
  }

  private withTimeout(model: ModelDoc, scope: PortkeyTarget): ModelDoc {
    return scope.request_timeout !== undefined ? { ...model, timeouts: { total_ms: Math.round(scope.request_timeout) } } : model
  }

  private checkCodes(t: PortkeyTarget, path: ReadonlyArray<PropertyKey>): void {
    const codes = t.strategy?.on_status_codes
    if (codes && (codes.some((c) => !FALLBACK_CODES.includes(c)) || FALLBACK_CODES.some((c) => c >= 429 && !codes.includes(c)))) {
      this.note([...path, 'strategy', 'on_status_codes'], `on_status_codes [${codes.join(', ')}]: Switchyard falls back on ${FALLBACK_CODES.join(', ')}, timeouts and connection failures; not carried exactly`)
    }
  }

  run(cfg: PortkeyTarget, name: string): void {
    const mode = cfg.strategy?.mode ?? 'single'
    if (cfg.retry?.attempts !== undefined) this.plan.resilience.max_attempts = cfg.retry.attempts + 1
    if (cfg.retry?.on_status_codes) this.note(['retry', 'on_status_codes'], `retry.on_status_codes [${cfg.retry.on_status_codes.join(', ')}]: Switchyard retries 408, 429, 500, 502, 503, 504, 529 and connection failures; not carried exactly`)
    for (const key of ['cache', 'before_request_hooks', 'after_request_hooks', 'input_guardrails', 'output_guardrails']) {
      if (cfg[key] !== undefined) this.note([key], key === 'cache' ? 'cache: use the `cache:` policy action (Response cache in the README)' : `${key}: use policy rules (deny, route, set) instead; not carried`)
    }
    const set = Object.fromEntries(Object.entries(cfg.override_params ?? {}).filter(([k]) => k !== 'model'))
    const setPart = Object.keys(set).length > 0 ? { set } : {}
    if (mode !== 'conditional') {
      const { retry: _r, request_timeout: _t, ...top } = cfg
      if (!this.group({ ...top, ...(cfg.request_timeout !== undefined ? { request_timeout: cfg.request_timeout } : {}) }, [], {}, name)) {
        throw new ConfigError([{ file: this.src.file, line: 1, col: 1, message: 'no target of this config can be carried over (see the notes above)' }])
      }
      this.plan.rules.push({ name: 'portkey-config', route: name, ...setPart })
      this.plan.tests.push({ name: `every request goes to ${name}`, request: { model: 'any-model', messages: [{ role: 'user', content: 'hello' }] }, expect: { rule: 'portkey-config', route: name } })
      return
    }
    // conditional: each named target is a model; each condition a rule; the default a rule without `when`
    const byName = new Map<string, string>()
    this.checkCodes(cfg, [])
    const { strategy: _s, targets: _ts, retry: _r, ...shared } = cfg
    ;(cfg.targets ?? []).forEach((t, i) => {
      const id = this.group(t, ['targets', i], shared, `${name}-${(t.name ?? String(i + 1)).toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`)
      if (id && t.name) byName.set(t.name, id)
    })
    ;(cfg.strategy?.conditions ?? []).forEach((c, i) => {
      const at = ['strategy', 'conditions', i]
      const route = byName.get(c.then)
      const when = conditionFromQuery(c.query, (problem) => this.note([...at, 'query'], problem))
      if (!route || !when) {
        if (!route) this.note([...at, 'then'], `condition ${i + 1} names target "${c.then}", which was not carried; not carried`)
        return
      }
      const rule = `condition-${i + 1}`
      this.plan.rules.push({ name: rule, when, route, ...setPart })
      const metadata = sampleMetadata(c.query)
      if (metadata) this.plan.tests.push({ name: `condition ${i + 1} routes to ${c.then}`, request: { model: 'any-model', metadata, messages: [{ role: 'user', content: 'hello' }] }, expect: { rule, route } })
    })
    const fallback = cfg.strategy?.default ? byName.get(cfg.strategy.default) : undefined
    if (fallback) {
      this.plan.rules.push({ name: 'condition-default', route: fallback, ...setPart })
      this.plan.tests.push({ name: `no condition: ${cfg.strategy!.default}`, request: { model: 'any-model', metadata: { portkey_import_probe: 'none' }, messages: [{ role: 'user', content: 'hello' }] }, expect: { rule: 'condition-default', route: fallback } })
    } else if (cfg.strategy?.default) this.note(['strategy', 'default'], `default target "${cfg.strategy.default}" was not carried`)
  }
}

/** A Portkey config (JSON or YAML) as a Switchyard import plan: one logical model, named after the file unless `model` is given. */
export function importPortkey(src: YamlSource, model?: string): ImportPlan {
  const parsed = target.safeParse(src.value)
  if (!parsed.success) throw new ConfigError(src.problemsFrom(parsed.error.issues))
  const name = model ?? (basename(src.file, extname(src.file)).toLowerCase().replace(/[^a-z0-9-]+/g, '-') || 'portkey')
  const importer = new Importer(src)
  importer.run(parsed.data, name)
  return importer.plan
}
