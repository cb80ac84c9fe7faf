import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { policyCommand } from '../../src/cli/policy.js'
import { packageRoot } from '../../src/paths.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the real CLI (`switchyard ...`) through tsx, from the package root. */
function spawnCli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), ...args], { cwd: packageRoot, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

/** CLI runs are queued two at a time and start as soon as a test asks, so the file stays quick on small machines. */
let running = 0
const waiting: Array<() => void> = []
async function cli(...args: string[]): Promise<Run> {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r))
  running++
  try {
    return await spawnCli(...args)
  } finally {
    running--
    waiting.shift()?.()
  }
}

/** The same command in this process (for output checks that need no exit code from a real process). */
async function inProcess(...args: string[]): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await policyCommand(args.slice(1), () => gatewayConfig, { out: (l) => void (stdout += `${l}\n`), err: (l) => void (stderr += `${l}\n`) })
  return { code, stdout, stderr }
}

const gatewayConfig = join(packageRoot, 'config', 'gateway.yaml')
const dir = mkdtempSync(join(tmpdir(), 'switchyard-policy-cli-'))
const write = (name: string, text: string): string => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}


const wrongPolicy = write(
  'wrong.yaml',
  `rules:
  - name: code
    when: { content: { matches: "(?i)python" } }
    route: smart
  - name: default
    route: requested
tests:
  - name: right
    request: { model: fast, messages: [ { role: user, content: "python" } ] }
    expect: { rule: code, route: smart }
  - name: wrong route
    request: { model: fast, messages: [ { role: user, content: "python" } ] }
    expect: { rule: code, route: fast }
  - name: wrong rule
    request: { model: fast, messages: [ { role: user, content: "hello" } ] }
    expect: { rule: code }
`,
)
const syntaxPolicy = write('syntax.yaml', 'rules:\n  - name: a\n    route: fast\n  - name: b\n    route: [unclosed\n')
const schemaPolicy = write('schema.yaml', 'rules:\n  - name: a\n    route: fast\n  - name: b\n    when: { teem: legal }\n    route: fast\n')
const routesPolicy = write('routes.yaml', 'rules:\n  - name: a\n    route: fast\n  - name: b\n    route: enormous\n')
const codeReq = write('req.json', JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Port this to TypeScript' }] }))
const smartReq = write('smart.json', JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'memo' }] }))
const pythonicReq = write('pythonic.json', JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'Make this sound more pythonic' }] }))
const pythonReq = write('python.json', JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'Is this valid Python?' }] }))

// real processes for exit codes (two at a time, started now), in-process runs for the rest
const runs = {
  shipped: cli('policy', 'test', '--config', gatewayConfig),
  wrong: cli('policy', 'test', wrongPolicy),
  syntax: cli('policy', 'check', syntaxPolicy),
  schema: cli('policy', 'check', schemaPolicy),
  routesBare: inProcess('policy', 'check', routesPolicy),
  routesWithConfig: cli('policy', 'check', routesPolicy, '--config', gatewayConfig),
  checkShipped: inProcess('policy', 'check', '--config', gatewayConfig),
  explain: inProcess('policy', 'explain', '--config', gatewayConfig, '--request', codeReq, '--team', 'research'),
  explainDeny: inProcess('policy', 'explain', '--config', gatewayConfig, '--request', smartReq, '--team', 'interns'),
  explainPythonic: inProcess('policy', 'explain', '--config', gatewayConfig, '--request', pythonicReq, '--team', 'research'),
  explainPython: inProcess('policy', 'explain', '--config', gatewayConfig, '--request', pythonReq, '--team', 'research'),
}

t.test('the shipped policy passes its tests', async (t) => {
  const r = await runs.shipped
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /RESULT\s+CASE\s+EXPECTED\s+GOT/)
  t.match(r.stdout, /pass\s+code goes to smart\s+rule=code route=smart\s+rule=code route=smart/)
  t.match(r.stdout, /\d+ passed, 0 failed/)
})

t.test('the shipped code rule matches whole words: "python" goes to smart, "pythonic" does not', async (t) => {
  const r = await runs.shipped
  const cases = r.stdout.split('\n').filter((l) => /python/i.test(l) && !/^RESULT/.test(l))
  t.ok(cases.some((l) => /^pass\s.*pythonic.*rule=default route=fast\s+rule=default route=fast$/.test(l)), 'a "pythonic" case in config/policy.yaml passes: not routed to smart')
  t.ok(cases.some((l) => /^pass\s(?!.*pythonic).*rule=code route=smart\s+rule=code route=smart$/.test(l)), 'a "python" case passes: routed to smart')
  const pythonic = await runs.explainPythonic
  t.equal(pythonic.code, 0, pythonic.stderr)
  t.match(pythonic.stdout, /\bcode\s+missed/)
  t.match(pythonic.stdout, /decision: rule default -> route fast/)
  const python = await runs.explainPython
  t.match(python.stdout, /\bcode\s+MATCHED\s+last user message matches .* at "Python"/)
  t.match(python.stdout, /decision: rule code -> route smart/)
})

t.test('a wrong expectation fails with the case and why', async (t) => {
  const r = await runs.wrong
  t.equal(r.code, 1)
  t.match(r.stdout, /pass\s+right/)
  t.match(r.stdout, /FAIL\s+wrong route/)
  t.match(r.stdout, /1 passed, 2 failed/)
  t.match(r.stderr, /FAIL "wrong route": expected route fast, got route smart/)
  t.match(r.stderr, /FAIL "wrong rule": expected rule code, but rule default matched first/)
})

t.test('check: a YAML syntax error gives exit 1 and its line', async (t) => {
  const r = await runs.syntax
  t.equal(r.code, 1)
  t.match(r.stderr, new RegExp(`^${syntaxPolicy.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:[56]:\\d+ `, 'm'))
})

t.test('check: schema errors give exit 1 with FILE:LINE:COL', async (t) => {
  const r = await runs.schema
  t.equal(r.code, 1)
  t.match(r.stderr, `${schemaPolicy}:5:`)
  t.match(r.stderr, /rules\.1\.when/)
  const ok = await runs.routesBare
  t.equal(ok.code, 0, 'route names are not checked without a config')
  const r2 = await runs.routesWithConfig
  t.equal(r2.code, 1)
  t.match(r2.stderr, `${routesPolicy}:5:12 rules.1.route: route "enormous" is not a logical model`)
})

t.test('check: the shipped config and policy are valid', async (t) => {
  const r = await runs.checkShipped
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^ok: .*policy\.yaml: \d+ rules, \d+ tests, version [0-9a-f]{12}/)
})

t.test('explain: each rule with matched/missed and why, then route and targets', async (t) => {
  const r = await runs.explain
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /1\.\s+legal-stays-internal\s+missed\s+team is "research", not legal/)
  t.match(r.stdout, /2\.\s+long-context\s+missed\s+prompt_tokens \(estimated\) is \d+, not > 100000/)
  t.match(r.stdout, /3\.\s+code\s+MATCHED\s+last user message matches .* at "TypeScript"/)
  t.match(r.stdout, /decision: rule code -> route smart/)
  t.match(r.stdout, /targets \(fallback\):\n\s+1\. anthropic\/claude-sonnet-4-5.*\n\s+2\. openai\/gpt-5/)
  const denied = await runs.explainDeny
  t.equal(denied.code, 0)
  t.match(denied.stdout, /interns-no-smart\s+MATCHED\s+team is "interns" and model is "smart"/)
  t.match(denied.stdout, /decision: rule interns-no-smart denies: smart is not enabled for interns/)
})
