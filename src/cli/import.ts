import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config/load.js'
import { ConfigError, YamlSource } from '../config/yaml-source.js'
import { importLitellm } from '../importers/litellm.js'
import { renderPlan, type ImportPlan } from '../importers/plan.js'
import { importPortkey } from '../importers/portkey.js'
import { compilePolicy } from '../policy/compile.js'
import { knownRoutes } from '../runtime/runtime.js'

const USAGE = `Usage:
  switchyard import litellm FILE [--out DIR] [--force]
  switchyard import portkey FILE [--out DIR] [--model NAME] [--force]
Turns a LiteLLM proxy config.yaml or a Portkey config (JSON or YAML) into DIR/gateway.yaml and
DIR/policy.yaml (rules, and the tests that prove the routing: \`switchyard policy test --config
DIR/gateway.yaml\`). What cannot be carried over is listed on stderr with its line. DIR defaults to
./switchyard-import; existing files are kept unless --force. Exit 0 when a usable config was written.
`

/** `switchyard import litellm|portkey FILE`. */
export async function runImport(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string', short: 'o' }, model: { type: 'string' }, force: { type: 'boolean' } },
  })
  const [kind, file] = positionals
  if ((kind !== 'litellm' && kind !== 'portkey') || !file) {
    err.write(USAGE)
    return 2
  }
  let plan: ImportPlan
  try {
    const src = YamlSource.read(resolve(file))
    plan = kind === 'litellm' ? importLitellm(src) : importPortkey(src, values.model)
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`switchyard import ${kind}: ${file} cannot be imported:\n${e.message}\n`)
      return 1
    }
    throw e
  }
  const notes = [...new Map(plan.notes.map((n) => [`${n.line}\u0000${n.message}`, n])).values()].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
  for (const n of notes) err.write(`${file}:${n.line ?? '?'}: not carried: ${n.message}\n`)

  const dir = resolve(values.out ?? 'switchyard-import')
  const files = renderPlan(plan)
  for (const name of Object.keys(files)) {
    if (existsSync(join(dir, name)) && !values.force) {
      err.write(`switchyard import: ${join(dir, name)} exists; pass --force to overwrite it\n`)
      return 1
    }
  }
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)

  // the output must load as the gateway would load it, and its policy must compile against it
  const configPath = join(dir, 'gateway.yaml')
  try {
    const config = loadConfig(configPath, {})
    compilePolicy(config.policy, { known: knownRoutes(config) })
  } catch (e) {
    err.write(`switchyard import: the generated config does not load (please report this):\n${(e as Error).message}\n`)
    return 1
  }
  const envs = [...new Set(Object.values(plan.providers).map((p) => p.api_key_env).filter((x): x is string => x !== undefined))]
  out.write(`wrote ${configPath} and ${join(dir, 'policy.yaml')}: ${Object.keys(plan.models).length} model(s), ${Object.keys(plan.providers).length} provider(s), ${plan.rules.length + 1} rule(s), ${plan.tests.length} policy test(s); ${notes.length} item(s) not carried (listed above)\n`)
  if (envs.length > 0) out.write(`set these environment variables before \`switchyard serve --config ${configPath}\`: ${envs.join(', ')}\n`)
  out.write(`check the routing: switchyard policy test --config ${configPath}\n`)
  return 0
}
