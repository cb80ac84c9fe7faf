import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGateway, type TestGateway } from '../helpers/gateway.js'
import { createScratchDatabase } from '../helpers/database.js'
import { startAuditUpstream } from '../helpers/audit-upstream.js'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js'
import type { FakeUpstream } from '../helpers/fake-upstream.js'
import { PostgresDatabase } from '../../src/adapters/db/postgres.js'
import { PgliteDatabase } from '../../src/adapters/db/pglite.js'
import { migrate } from '../../src/adapters/db/migrate.js'
import { BufferedAuditRecorder } from '../../src/adapters/audit/buffered.js'
import { SqlAuditSink } from '../../src/adapters/audit/sql-sink.js'
import type { AuditSink } from '../../src/ports/audit-sink.js'
import type { Database } from '../../src/ports/database.js'

/**
 * Acceptance 2: the database goes away in the middle of a 2,000-request run. Every request is still
 * answered normally, rows go to the spool meanwhile, and afterwards the table holds exactly 2,000 rows.
 * With DATABASE_URL: real Postgres behind a TCP proxy the test cuts. Otherwise: PGlite behind a sink
 * the test switches off (PGlite has no network to cut). OUTAGE_MS sets the window (default 20 s, the figure).
 */
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 20_000)
const TOTAL = 2_000
let upstream: FakeUpstream
let gw: TestGateway
let direct: Database
let proxy: TcpProxy | undefined
let drop: (() => Promise<void>) | undefined
let cut: () => void
let restore: () => void
let spooled: () => number

class SwitchableSink implements AuditSink {
  down = false
  constructor(private readonly inner: AuditSink) {}
  async write(rows: Parameters<AuditSink['write']>[0]): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED (simulated outage)')
    return this.inner.write(rows)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

const config = (upstreamUrl: string) => ({
  auth: { anonymous_team: 'demo' },
  providers: { up: { type: 'openai', base_url: upstreamUrl } },
  models: { fast: { targets: [{ provider: 'up', model: 'fast' }] } },
  teams: { demo: {} },
  audit: { write_timeout_ms: 1_000 },
})

t.before(async () => {
  upstream = await startAuditUpstream()
  if (process.env.DATABASE_URL) {
    const scratch = await createScratchDatabase(process.env.DATABASE_URL)
    drop = scratch.drop
    const u = new URL(scratch.url)
    proxy = await startTcpProxy(u.hostname, Number(u.port || 5432))
    const viaProxy = new URL(scratch.url)
    viaProxy.host = `127.0.0.1:${proxy.port}`
    direct = new PostgresDatabase(scratch.url, { max: 2 })
    gw = await startGateway(config(upstream.url), {}, { env: { ...process.env, DATABASE_URL: viaProxy.toString() } })
    const p = proxy
    cut = () => p.cut()
    restore = () => p.restore()
    spooled = () => Number((gw.gateway.deps.metrics.auditRowsSpooled as unknown as { hashMap: Record<string, { value: number }> }).hashMap['']?.value ?? 0)
    t.comment(`database: postgres through a TCP proxy on :${proxy.port}; outage ${OUTAGE_MS} ms`)
  } else {
    direct = await PgliteDatabase.open(undefined)
    await migrate(direct)
    const sink = new SwitchableSink(new SqlAuditSink(direct))
    let total = 0
    const recorder = new BufferedAuditRecorder(sink, { spoolDir: join(mkdtempSync(join(tmpdir(), 'sy-outage-')), 'spool'), retryMinMs: 100, retryMaxMs: 1_000, events: { spooled: (n) => (total += n) } })
    gw = await startGateway(config(upstream.url), {}, { database: direct, audit: recorder })
    cut = () => (sink.down = true)
    restore = () => (sink.down = false)
    spooled = () => total
    t.comment(`database: pglite behind a switchable sink; outage ${OUTAGE_MS} ms`)
  }
})
t.teardown(async () => {
  await gw?.close()
  await upstream?.close()
  await proxy?.close()
  await direct?.close()
  await drop?.()
})

async function run(from: number, to: number, statuses: Map<string, number>): Promise<void> {
  let next = from
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      while (next < to) {
        const id = `out-${next++}`
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': id },
          body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
        })
        await res.text()
        statuses.set(id, res.status)
      }
    }),
  )
}

const count = async () => (await direct.query<{ n: number }>("SELECT count(*)::int AS n FROM calls WHERE request_id LIKE 'out-%'", [])).rows[0]!.n

t.test('a database outage mid-run loses no row and fails no request', async (t) => {
  const statuses = new Map<string, number>()
  await run(0, 700, statuses)
  cut()
  const outageEnds = Date.now() + OUTAGE_MS
  await run(700, 1400, statuses)
  await new Promise((r) => setTimeout(r, 300))
  const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as { status: string }
  if (proxy) t.equal(ready.status, 'degraded', 'readiness says degraded while the database is away')
  while (Date.now() < outageEnds) await new Promise((r) => setTimeout(r, 100))
  const spooledDuring = spooled()
  t.ok(spooledDuring >= 600, `rows went to the spool during the outage (${spooledDuring})`)
  restore()
  await run(1400, TOTAL, statuses)

  t.equal(statuses.size, TOTAL)
  t.same([...new Set(statuses.values())], [200], 'every request got its normal answer')
  const end = Date.now() + 30_000
  let n = 0
  while (Date.now() < end && (n = await count()) < TOTAL) await new Promise((r) => setTimeout(r, 200))
  t.equal(n, TOTAL, 'once the database is back, exactly 2,000 rows')
  await gw.close()
  t.equal(await count(), TOTAL, 'and still 2,000 after shutdown: no duplicates from replay')
  const { rows } = await direct.query<{ request_id: string }>("SELECT request_id FROM calls WHERE request_id LIKE 'out-%'", [])
  const missing = [...statuses.keys()].filter((id) => !rows.some((r) => r.request_id === id))
  t.same(missing, [], 'every request id is there')
})
