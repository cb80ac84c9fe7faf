import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { startGateway } from '../helpers/gateway.js'
import { packageRoot } from '../../src/paths.js'

/** The README's "Observability" metrics table: name -> {type, labels}. */
function readmeCatalog(): Map<string, { type: string; labels: string[] }> {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Observability'))
  const rows = new Map<string, { type: string; labels: string[] }>()
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z_:*]+)` \| (\w+) \| ([^|]*) \|/.exec(line)
    if (m) rows.set(m[1]!, { type: m[2]!, labels: m[3]!.trim() === '—' ? [] : m[3]!.split(',').map((l) => l.trim()) })
  }
  return rows
}

// a whole gateway's registry: metrics that features register next to the catalog count too
const gw = await startGateway({ providers: { d: { type: 'demo' } }, models: { demo: { targets: [{ provider: 'd', model: 'demo' }] } } }, {}, { audit: new MemoryAuditRecorder() })
const declared = (gw.gateway.deps.metrics.registry.getMetricsAsArray() as unknown as Array<{ name: string; type: string; labelNames?: string[] }>)
  .filter((m) => !m.name.startsWith('switchyard_process_'))
await gw.close()

t.test('every declared metric is in the README catalog with its type and labels', async (t) => {
  const readme = readmeCatalog()
  t.ok(readme.size > 10, 'README has an Observability metrics table')
  for (const m of declared) {
    const row = readme.get(m.name)
    if (!row) {
      t.fail(`${m.name} is missing from the README "Observability" table: add a row (name, type, labels, meaning)`)
      continue
    }
    t.equal(row.type, m.type, `${m.name}: type`)
    t.same(row.labels, m.labelNames ?? [], `${m.name}: labels`)
  }
  const names = new Set(declared.map((m) => m.name))
  for (const name of readme.keys()) if (!name.endsWith('*')) t.ok(names.has(name), `README lists ${name}, which the catalog declares`)
})

t.test('names and labels follow the conventions; no unbounded labels', async (t) => {
  const forbidden = /^(user|user_id|key|key_id|key_name|session|session_id|request_id|trace_id)$/
  for (const m of declared) {
    t.match(m.name, /^(switchyard|gen_ai)_[a-z0-9_]+$/, `${m.name}: prefix and snake_case`)
    if (m.type === 'counter') t.match(m.name, /_total$/, `${m.name}: counters end in _total`)
    if (m.type !== 'counter') t.notMatch(m.name, /_total$/, `${m.name}: only counters end in _total`)
    for (const l of m.labelNames ?? []) t.notMatch(l, forbidden, `${m.name}: label ${l} is bounded`)
  }
})
