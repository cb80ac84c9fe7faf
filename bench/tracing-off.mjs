// Tracing off costs nothing measurable: run after `npm run build`, `node bench/tracing-off.mjs`.
// 1. With no OTEL_* variables the SDK is never loaded (checked through the CommonJS module cache).
// 2. The per-call work of the tracer facade with the no-op API (every span a call opens, the
//    traceparent injection, the closing attributes) is timed and compared with a call's latency.
import { createRequire } from 'node:module'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'

const dist = new URL('../dist/src/', import.meta.url)
const { createGateway } = await import(new URL('gateway.js', dist).href)
const tracer = await import(new URL('observability/tracer.js', dist).href)
const callSpan = await import(new URL('observability/call-span.js', dist).href)
const { newCallRecord } = await import(new URL('core/call-record.js', dist).href)

const dir = mkdtempSync(join(tmpdir(), 'sy-bench-'))
writeFileSync(join(dir, 'gateway.yaml'), JSON.stringify({
  storage: { data_dir: join(dir, 'data') },
  providers: { d: { type: 'demo' } },
  models: { demo: { targets: [{ provider: 'd', model: 'demo' }] } },
  auth: { anonymous_team: 't' },
  teams: { t: {} },
}))
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')))
const gw = await createGateway({ configPath: join(dir, 'gateway.yaml'), env, logger: pino({ level: 'silent' }), port: 0, host: '127.0.0.1' })
const url = await gw.listen()
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('@opentelemetry/sdk-'))
console.log(`tracing enabled: ${gw.config.env.otelEnabled}; OpenTelemetry SDK modules loaded: ${loaded.length}`)

// a call's latency through the gateway (demo provider, sequential, after warm-up)
const body = JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] })
const call = () => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.text())
for (let i = 0; i < 200; i++) await call()
const n = 1000
let t0 = process.hrtime.bigint()
for (let i = 0; i < n; i++) await call()
const callNs = Number(process.hrtime.bigint() - t0) / n
await gw.close()

// the facade's per-call span work with the no-op API
const target = { provider: 'd', model: 'demo', config: { type: 'demo' } }
const headers = { 'content-type': 'application/json' }
async function spanWork() {
  const r = newCallRecord('req', 'chat.completions', new Date())
  const server = callSpan.openCallSpan(r, 'POST', '/v1/chat/completions', headers)
  await callSpan.traceAuth(server, async () => 1)
  await tracer.withActiveSpan(server, async () => {
    await tracer.inSpan('switchyard.context', {}, async () => 1)
    tracer.inSpanSync('switchyard.policy', {}, (s) => s.isRecording())
    await callSpan.traceAttempt(r, target, false, async (s) => {
      const h = {}
      tracer.injectTraceHeaders(h)
      s.setAttribute('http.response.status_code', 200)
    })
    tracer.inSpanSync('switchyard.audit.enqueue', {}, () => 1)
  })
  callSpan.closeCallSpan(server, r, () => 'demo')
}
const m = 200_000
for (let i = 0; i < 10_000; i++) await spanWork()
t0 = process.hrtime.bigint()
for (let i = 0; i < m; i++) await spanWork()
const spanNs = Number(process.hrtime.bigint() - t0) / m
console.log(`gateway call (demo provider, sequential): ${(callNs / 1000).toFixed(1)} µs`)
console.log(`tracer facade per call, tracing off:      ${(spanNs / 1000).toFixed(2)} µs (${((spanNs / callNs) * 100).toFixed(2)} % of a call)`)
