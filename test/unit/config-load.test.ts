import t from 'tap'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import { ConfigError } from '../../src/config/yaml-source.js'
import { writeConfigFiles } from '../helpers/gateway.js'
import { packageRoot } from '../../src/paths.js'

const load = (text: string, extra: Record<string, string> = {}) => {
  const dir = writeConfigFiles({ 'gateway.yaml': text, ...extra })
  return () => loadConfig(join(dir, 'gateway.yaml'), {})
}

const problems = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error('expected a ConfigError')
}

t.test('a valid config loads, resolves relative files and freezes', async (t) => {
  const cfg = load('providers:\n  demo: { type: demo }\nmodels:\n  m: { targets: [ { provider: demo, model: d } ] }\npricing: prices.yaml\n', {
    'prices.yaml': 'pricing:\n  demo/d: { input: 1, output: 2 }\n',
  })()
  t.equal(cfg.gateway.models.m!.strategy, 'fallback', 'defaults applied')
  t.same(cfg.pricing['demo/d'], { input: 1, output: 2 })
  t.ok(Object.isFrozen(cfg.gateway.providers))
})

t.test('a YAML syntax error names its line and column', async (t) => {
  const [p] = problems(load('providers:\n  demo: { type: demo\nmodels: {}\n'))
  t.match(p!.file, /gateway\.yaml$/)
  t.ok(p!.line >= 2 && p!.line <= 3, `line ${p!.line}`)
})

t.test('a schema error names the line of the offending value', async (t) => {
  const ps = problems(load('server:\n  port: 8080\nproviders:\n  demo:\n    type: nonsense\n'))
  t.equal(ps[0]!.line, 5)
  t.match(ps[0]!.message, /providers\.demo\.type/)
})

t.test('unknown keys are rejected (typos do not pass silently)', async (t) => {
  const ps = problems(load('providers:\n  demo: { type: demo }\nservr: { port: 1 }\n'))
  t.match(ps[0]!.message, /servr/)
})

t.test('a target naming an unknown provider points at that target', async (t) => {
  const ps = problems(load('providers:\n  demo: { type: demo }\nmodels:\n  m:\n    targets:\n      - { provider: nope, model: x }\n'))
  t.equal(ps[0]!.line, 6)
  t.match(ps[0]!.message, /unknown provider "nope"/)
})

t.test('provider keys come from the named environment variable, never from the file', async (t) => {
  const dir = writeConfigFiles({ 'gateway.yaml': 'providers:\n  up: { type: openai, api_key_env: UP_KEY }\n' })
  const cfg = loadConfig(join(dir, 'gateway.yaml'), { UP_KEY: 'sk-secret' })
  t.equal(cfg.secrets.get('up'), 'sk-secret')
  t.notMatch(JSON.stringify(cfg.gateway), /sk-secret/)
})

t.test('an azure provider without base_url is refused at load', async (t) => {
  const ps = problems(load('providers:\n  az:\n    type: azure\n'))
  t.equal(ps[0]!.line, 3)
  t.match(ps[0]!.message, /azure needs base_url/)
})

t.test('storage.data_dir and audit.spool_dir resolve relative to the config file, like policy and pricing', async (t) => {
  const dir = writeConfigFiles({ 'gateway.yaml': 'providers:\n  demo: { type: demo }\nstorage: { data_dir: state }\naudit: { spool_dir: ../spool-here }\n' })
  t.not(process.cwd(), dir, 'loaded from another working directory')
  const cfg = loadConfig(join(dir, 'gateway.yaml'), {})
  t.equal(cfg.dataDir, join(dir, 'state'))
  t.equal(cfg.spoolDir, join(dir, '..', 'spool-here'))
  t.equal(loadConfig(join(dir, 'gateway.yaml'), { SWITCHYARD_DATA_DIR: '/srv/elsewhere' }).dataDir, join(dir, 'state'), 'a data_dir in the file wins over SWITCHYARD_DATA_DIR')

  const abs = writeConfigFiles({ 'gateway.yaml': `providers:\n  demo: { type: demo }\nstorage: { data_dir: ${JSON.stringify(join(dir, 'abs'))} }\naudit: { spool_dir: /var/tmp/sy-spool }\n` })
  const absCfg = loadConfig(join(abs, 'gateway.yaml'), {})
  t.equal(absCfg.dataDir, join(dir, 'abs'), 'absolute paths stay as written')
  t.equal(absCfg.spoolDir, '/var/tmp/sy-spool')
})

t.test('without storage.data_dir: SWITCHYARD_DATA_DIR, else `data` next to the config file; the spool inside the data dir', async (t) => {
  const dir = writeConfigFiles({ 'gateway.yaml': 'providers:\n  demo: { type: demo }\n' })
  const cfg = loadConfig(join(dir, 'gateway.yaml'), {})
  t.equal(cfg.dataDir, join(dir, 'data'))
  t.equal(cfg.spoolDir, join(dir, 'data', 'spool'))
  const fromEnv = loadConfig(join(dir, 'gateway.yaml'), { SWITCHYARD_DATA_DIR: '/var/lib/switchyard' })
  t.equal(fromEnv.dataDir, '/var/lib/switchyard', 'the container image points it at its data volume')
  t.equal(fromEnv.spoolDir, '/var/lib/switchyard/spool')
})

t.test('the demo config (npm start) keeps its data in ./data at the repo root, wherever it is started from', async (t) => {
  const cwd = process.cwd()
  process.chdir(writeConfigFiles({}))
  t.teardown(() => process.chdir(cwd))
  t.equal(loadConfig(join(packageRoot, 'config', 'demo.yaml'), {}).dataDir, join(packageRoot, 'data'))
})

t.test('model fallbacks: an unknown model or a cycle is a load error with its line; the route orders own targets first', async (t) => {
  const base = 'providers:\n  demo: { type: demo }\nmodels:\n  a: { targets: [ { provider: demo, model: x } ], fallbacks: [b] }\n'
  const unknown = problems(load(base))
  t.match(unknown[0], { line: 4, message: /models\.a\.fallbacks\.0: unknown logical model "b"/ })
  const cycle = problems(load(`${base}  b: { targets: [ { provider: demo, model: y } ], fallbacks: [a] }\n`))
  t.match(cycle.map((p) => p.message), [/falls back to "a" in turn/, /falls back to "b" in turn/])
  const { ModelCatalog } = await import('../../src/routing/catalog.js')
  const { orderTargets } = await import('../../src/routing/select.js')
  const cfg = load(`${base}  b: { strategy: weighted, targets: [ { provider: demo, model: y }, { provider: demo, model: x } ] }\n`)()
  const order = orderTargets(new ModelCatalog(cfg).resolve('a'))
  t.same(order.map((x) => x.model), ['x', 'y'], 'a\'s own target, then b\'s (x listed once)')
})
