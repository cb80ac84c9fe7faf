import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig, type GatewayConfig, type PolicySource } from '../config/load.js'
import { ConfigError, YamlSource } from '../config/yaml-source.js'
import { compilePolicy } from '../policy/compile.js'
import { offlineInput } from '../policy/offline-input.js'
import type { CompiledPolicy, Decision } from '../policy/types.js'
import { ModelCatalog } from '../routing/catalog.js'
import { knownRoutes } from '../runtime/runtime.js'

interface Io {
  out(line: string): void
  err(line: string): void
}

const stdio: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) }

interface Loaded {
  policy: CompiledPolicy
  /** The policy's file (or the config holding it inline). */
  file: string
  config: GatewayConfig | null
}

const looksLikePolicy = (v: unknown): boolean => v !== null && typeof v === 'object' && !('providers' in v) && ('rules' in v || 'tests' in v)

/** `path` may be a gateway config (its policy is used) or a bare policy file (checked against `configPath` when given). */
function load(path: string, configPath: string | undefined): Loaded {
  const src = YamlSource.read(resolve(path))
  if (looksLikePolicy(src.value)) {
    const config = configPath ? loadConfig(configPath) : null
    const source: PolicySource = { kind: 'file', source: src }
    return { policy: compilePolicy(source, { known: config ? knownRoutes(config) : undefined }), file: src.file, config }
  }
  const config = loadConfig(path)
  const file = config.policy === null ? config.file : config.policy.source.file
  return { policy: compilePolicy(config.policy, { known: knownRoutes(config) }), file, config }
}

const describe = (d: Decision): string => (d.kind === 'deny' ? `rule=${d.rule ?? 'none'} deny` : `rule=${d.rule ?? 'none'} route=${d.route}`)

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
}

function runTests(l: Loaded, io: Io): number {
  const cases = l.policy.tests
  if (cases.length === 0) {
    io.out(`${l.file}: no tests`)
    return 0
  }
  const rows: string[][] = [['RESULT', 'CASE', 'EXPECTED', 'GOT']]
  const failures: string[] = []
  for (const c of cases) {
    const expected = `rule=${c.expect.rule ?? 'none'}${c.expect.route ? ` route=${c.expect.route}` : ''}${c.expect.deny !== undefined ? ' deny' : ''}`
    const labels = (c.team && l.config?.gateway.teams[c.team]?.labels) || {}
    const built = offlineInput(c, labels)
    if ('error' in built) {
      rows.push(['FAIL', c.name, expected, built.error])
      failures.push(`"${c.name}": ${built.error}`)
      continue
    }
    const { decision } = l.policy.explain(built.input)
    const wantRule = c.expect.rule === 'none' ? null : c.expect.rule
    const why: string[] = []
    if (decision.rule !== wantRule) why.push(`expected rule ${wantRule ?? 'none'}, but ${decision.rule === null ? 'no rule matched' : `rule ${decision.rule} matched first`} (${decision.reason})`)
    if (c.expect.route !== undefined && (decision.kind === 'deny' || decision.route !== c.expect.route)) {
      why.push(`expected route ${c.expect.route}, got ${decision.kind === 'deny' ? `a denial (${JSON.stringify(decision.denyMessage)})` : `route ${decision.route}`}`)
    }
    if (c.expect.deny !== undefined && (decision.kind !== 'deny' || !(decision.denyMessage ?? '').includes(c.expect.deny))) {
      why.push(`expected a denial mentioning ${JSON.stringify(c.expect.deny)}, got ${decision.kind === 'deny' ? JSON.stringify(decision.denyMessage) : `route ${decision.route}`}`)
    }
    rows.push([why.length === 0 ? 'pass' : 'FAIL', c.name, expected, describe(decision)])
    if (why.length > 0) failures.push(`"${c.name}": ${why.join('; ')}`)
  }
  for (const line of pad(rows)) io.out(line)
  io.out('')
  io.out(`${cases.length - failures.length} passed, ${failures.length} failed (policy ${l.policy.version}, ${l.file})`)
  for (const f of failures) io.err(`FAIL ${f}`)
  return failures.length === 0 ? 0 : 1
}

interface ExplainArgs {
  request: string | undefined
  team: string | undefined
  key: string | undefined
  header: string[] | undefined
  budget: string | undefined
}

function explain(l: Loaded, a: ExplainArgs, io: Io): number {
  if (!a.request) {
    io.err('policy explain needs --request req.json (a Chat Completions body)')
    return 2
  }
  const headers: Record<string, string> = {}
  for (const h of a.header ?? []) {
    const i = h.indexOf(':')
    if (i <= 0) {
      io.err(`--header "${h}": expected name:value`)
      return 2
    }
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim()
  }
  const request = JSON.parse(readFileSync(a.request, 'utf8')) as unknown
  const labels = (a.team && l.config?.gateway.teams[a.team]?.labels) || {}
  const built = offlineInput({ team: a.team, key: a.key, headers, request, budget_used_pct: a.budget === undefined ? undefined : Number(a.budget) }, labels)
  if ('error' in built) {
    io.err(`${a.request}: ${built.error}`)
    return 1
  }
  const { trace, decision } = l.policy.explain(built.input)
  io.out(`policy ${l.policy.version} (${l.file}), ${l.policy.ruleCount} rules`)
  io.out(`request: model=${built.input.model} team=${built.input.team || '(none)'} key=${built.input.key ?? '(none)'} stream=${built.input.stream}`)
  const rows = l.policy.rules.map((r, i) => {
    const t = trace[i]
    return [`${i + 1}.`, r.name, t ? (t.matched ? 'MATCHED' : 'missed') : '-', t ? t.why : 'not evaluated (an earlier rule matched)']
  })
  if (rows.length > 0) for (const line of pad(rows)) io.out(`  ${line}`)
  if (decision.kind === 'deny') {
    io.out(`decision: rule ${decision.rule} denies: ${decision.denyMessage}`)
    return 0
  }
  io.out(`decision: ${decision.rule === null ? 'no rule matched' : `rule ${decision.rule}`} -> route ${decision.route}`)
  if (Object.keys(decision.set).length > 0) io.out(`set: ${JSON.stringify(decision.set)}`)
  if (decision.tags.length > 0) io.out(`tags: ${decision.tags.join(', ')}`)
  if (!l.config) {
    io.out('targets: (pass --config gateway.yaml to resolve the route)')
    return 0
  }
  const catalog = new ModelCatalog(l.config)
  if (!catalog.has(decision.route)) {
    io.out(`targets: none: "${decision.route}" is not a model this gateway knows (the call would answer 404)`)
    return 0
  }
  const route = catalog.resolve(decision.route)
  const note = route.strategy === 'weighted' ? ' (random by weight per request; config order shown)' : route.strategy === 'least-latency' ? ' (by latency this process measures; config order shown)' : ''
  io.out(`targets (${route.strategy})${note}:`)
  route.targets.forEach((t, i) => {
    const price = l.config!.pricing[`${t.provider}/${t.model}`]
    const extra = [route.weights && route.strategy === 'weighted' ? `weight ${route.weights[i]}` : '', price ? `$${price.input}/$${price.output} per 1M in/out` : ''].filter(Boolean).join(', ')
    io.out(`  ${i + 1}. ${t.provider}/${t.model}${extra ? `  (${extra})` : ''}`)
  })
  return 0
}

/** `switchyard policy check|test|explain [--config FILE | FILE] [--request req.json --team T]`. */
export async function policyCommand(argv: string[], defaultConfig: () => string, io: Io = stdio): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      request: { type: 'string', short: 'r' },
      team: { type: 'string', short: 't' },
      key: { type: 'string' },
      header: { type: 'string', short: 'H', multiple: true },
      'budget-used-pct': { type: 'string' },
    },
  })
  const [sub, file] = positionals
  if (sub !== 'check' && sub !== 'test' && sub !== 'explain') {
    io.err('Usage: switchyard policy check|test|explain [--config gateway.yaml | policy.yaml] [--request req.json --team T [--key K] [--header name:value]]')
    return 2
  }
  let loaded: Loaded
  try {
    loaded = file ? load(file, values.config) : load(values.config ?? defaultConfig(), undefined)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    for (const line of err.message.split('\n')) io.err(line)
    return 1
  }
  if (sub === 'check') {
    io.out(`ok: ${loaded.file}: ${loaded.policy.ruleCount} rules, ${loaded.policy.tests.length} tests, version ${loaded.policy.version}`)
    return 0
  }
  if (sub === 'test') return runTests(loaded, io)
  return explain(loaded, { request: values.request, team: values.team, key: values.key, header: values.header, budget: values['budget-used-pct'] }, io)
}
