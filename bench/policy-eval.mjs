// Micro-benchmark: evaluating a 50-rule policy. Run `npm run build` first, then
//   node bench/policy-eval.mjs
// Prints CPU ns per evaluation (and wall time, which a busy machine inflates) for the worst case (the 50th rule matches, so every rule runs), a
// first-rule match, and the worst case with a 20 KB prompt.
import { stringify } from 'yaml'
import { YamlSource } from '../dist/src/config/yaml-source.js'
import { compilePolicy } from '../dist/src/core/policy/compile.js'

function fiftyRules() {
  const rules = []
  for (let i = 0; i < 49; i++) {
    const when = [
      { team: [`team-${i}`, `group-${i}-*`] },
      { model: `family-${i}-*`, stream: true },
      { header: { 'x-task': `task-${i}` } },
      { content: { matches: `(?i)\\bkeyword${i}\\b|topic-${i}` } },
      { content: { contains: [`phrase ${i}`, `another ${i}`], scope: 'all' } },
      { prompt_tokens: { gt: 100_000 + i } },
      { any: [{ metadata: { project: `p${i}` } }, { user: `u${i}` }, { has: 'images' }] },
      { all: [{ not: { team: 'research' } }, { budget_used_pct: { gte: 90 } }] },
    ][i % 8]
    rules.push({ name: `rule-${i}`, when, route: i % 2 ? 'smart' : 'openai/gpt-4o-mini' })
  }
  rules.push({ name: 'default', route: 'requested' })
  return { rules }
}

const policy = compilePolicy({ kind: 'file', source: new YamlSource('/bench/policy.yaml', stringify(fiftyRules())) }, { known: { models: ['smart'], providers: ['openai'] } })

const text = 'Please review the following design document and point out risks in the rollout plan. '.repeat(6)
const input = (content, team = 'research') => ({
  endpoint: 'chat.completions',
  team,
  teamLabels: {},
  key: 'ci',
  user: 'alice',
  model: 'auto',
  headers: { 'content-type': 'application/json', 'x-task': 'review', 'user-agent': 'bench' },
  metadata: { project: 'apollo' },
  request: { model: 'auto', messages: [{ role: 'system', content: 'You are a careful reviewer.' }, { role: 'user', content }] },
  stream: false,
  budgetUsedPct: 12,
})

function measure(name, inp, expectRule, n) {
  if (policy.evaluate(inp).rule !== expectRule) throw new Error(`${name}: expected ${expectRule}, got ${policy.evaluate(inp).rule}`)
  let sink = 0
  for (let i = 0; i < n / 5; i++) sink += policy.evaluate(inp).route.length // warm up
  const t0 = process.hrtime.bigint()
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < n; i++) sink += policy.evaluate(inp).route.length
  const cpu = process.cpuUsage(cpu0)
  const wallNs = Number(process.hrtime.bigint() - t0) / n
  // CPU time is what the evaluation costs; wall time also counts waiting for a core on a busy machine
  const ns = ((cpu.user + cpu.system) * 1000) / n
  console.log(`${name.padEnd(40)} ${ns.toFixed(0).padStart(7)} ns/eval CPU (${(ns / 1000).toFixed(2)} µs; wall ${(wallNs / 1000).toFixed(2)} µs; ${n} runs)${sink < 0 ? '!' : ''}`)
  return ns
}

console.log(`policy: ${policy.ruleCount} rules, version ${policy.version}`)
const worst = measure('50 rules, last matches (~500 B prompt)', input(text), 'default', 200_000)
measure('50 rules, first matches', input(text, 'team-0'), 'rule-0', 1_000_000)
measure('50 rules, last matches (20 KB prompt)', input(text.repeat(40)), 'default', 20_000)
console.log(worst < 20_000 ? `OK: worst case ${(worst / 1000).toFixed(2)} µs < 20 µs` : `SLOW: worst case ${(worst / 1000).toFixed(2)} µs >= 20 µs`)
