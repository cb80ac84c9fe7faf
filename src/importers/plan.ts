import { stringify } from 'yaml'

/** Something the source config says that the import could not carry over, with where it says it. */
export interface ImportNote {
  line: number | null
  message: string
}

export interface ProviderDoc {
  type: 'openai' | 'anthropic' | 'gemini' | 'azure'
  base_url?: string
  api_key_env?: string
  api_version?: string
  timeouts?: { total_ms: number }
}

export interface TargetDoc {
  provider: string
  model: string
  weight?: number
  rpm?: number
  tpm?: number
}

export interface ModelDoc {
  strategy: 'fallback' | 'weighted' | 'least-latency' | 'cheapest'
  targets: TargetDoc[]
  /** Logical models tried once every target of this one failed. */
  fallbacks?: string[]
  timeouts?: { total_ms: number }
  description?: string
}

export interface RuleDoc {
  name: string
  when?: Record<string, unknown>
  route: string
  set?: Record<string, unknown>
}

export interface TestDoc {
  name: string
  request: Record<string, unknown>
  headers?: Record<string, string>
  expect: { rule: string | null; route?: string }
}

/** What an import produces: a Switchyard config and policy (with tests), and what it left behind. */
export interface ImportPlan {
  source: string
  providers: Record<string, ProviderDoc>
  models: Record<string, ModelDoc>
  pricing: Record<string, { input: number; output: number }>
  resilience: { max_attempts?: number; timeouts?: { total_ms: number } }
  rules: RuleDoc[]
  tests: TestDoc[]
  notes: ImportNote[]
}

export function emptyPlan(source: string): ImportPlan {
  return { source, providers: {}, models: {}, pricing: {}, resilience: {}, rules: [], tests: [], notes: [] }
}

/**
 * Provider entries by what makes them one upstream account (type, base URL, key variable, API
 * version); a new combination gets the preferred name, or that name with a number.
 */
export class ProviderPool {
  private readonly byIdentity = new Map<string, string>()
  constructor(private readonly plan: ImportPlan) {}

  name(preferred: string, doc: ProviderDoc): string {
    const identity = JSON.stringify([doc.type, doc.base_url ?? '', doc.api_key_env ?? '', doc.api_version ?? ''])
    const known = this.byIdentity.get(identity)
    if (known) return known
    const clean = preferred.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')
    const base = /^[a-z]/.test(clean) ? clean : `host-${clean || 'provider'}`
    let name = base
    for (let n = 2; name in this.plan.providers; n++) name = `${base}-${n}`
    this.plan.providers[name] = doc
    this.byIdentity.set(identity, name)
    return name
  }
}

/** An environment variable name made from a provider name (for keys the source held in the file). */
export const envName = (name: string): string => {
  const base = name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '')
  return `${/^[A-Z]/.test(base) ? base : `P_${base}`}_API_KEY`
}

/** The files an import writes: gateway.yaml (naming policy.yaml) and policy.yaml (rules and the tests that prove them). */
export function renderPlan(plan: ImportPlan): { 'gateway.yaml': string; 'policy.yaml': string } {
  const gateway: Record<string, unknown> = {
    providers: plan.providers,
    models: plan.models,
    ...(Object.keys(plan.pricing).length > 0 ? { pricing: plan.pricing } : {}),
    ...(Object.keys(plan.resilience).length > 0 ? { resilience: plan.resilience } : {}),
    // callers need a Switchyard key of a team: `switchyard keys create --team default`
    teams: { default: {} },
    policy: 'policy.yaml',
  }
  const head = `# Imported from ${plan.source} by \`switchyard import\`. Review the notes it printed.\n`
  const policy = { rules: [...plan.rules, { name: 'default', route: 'requested' }], tests: plan.tests }
  return {
    'gateway.yaml': head + stringify(gateway, { lineWidth: 0 }),
    'policy.yaml': `${head}# \`switchyard policy test --config gateway.yaml\` runs the tests below.\n${stringify(policy, { lineWidth: 0 })}`,
  }
}
