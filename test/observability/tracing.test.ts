import t from 'tap'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { sendJson, sendSse, startFakeUpstream } from '../helpers/fake-upstream.js'
import { startGateway } from '../helpers/gateway.js'

/** OTLP/JSON as the exporter sends it (ExportTraceServiceRequest). */
interface OtlpValue { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number }
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: Array<{ key: string; value: OtlpValue }>
  status?: { code?: number }
}
const SERVER = 2
const CLIENT = 3
const STATUS_ERROR = 2

const attr = (s: OtlpSpan, key: string): string | number | boolean | undefined => {
  const v = s.attributes.find((a) => a.key === key)?.value
  if (!v) return undefined
  if (v.intValue !== undefined) return Number(v.intValue)
  return v.stringValue ?? v.boolValue ?? v.doubleValue
}

/** A receiver for OTLP/HTTP on 127.0.0.1: collects every span posted to /v1/traces. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; contentTypes: string[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = []
  const contentTypes: string[] = []
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    contentTypes.push(String(req.headers['content-type']))
    if (req.url === '/v1/traces' && String(req.headers['content-type']).includes('json')) {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []))
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    contentTypes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

t.test('a streamed call with one retry is one trace: server, auth, policy, two attempts, audit; traceparent reaches the upstream', async (t) => {
  const collector = await startCollector()
  t.teardown(() => collector.close())
  // the SDK reads the standard variables from the process environment
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_SERVICE_NAME: 'switchyard-test',
  })

  let calls = 0
  const usage = { prompt_tokens: 21, completion_tokens: 7, total_tokens: 28 }
  const upstream = await startFakeUpstream(async (_req, res) => {
    if (calls++ === 0) return sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error' } })
    const c = (delta: object, finish: string | null = null) =>
      JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'up-model-2025', choices: [{ index: 0, delta, finish_reason: finish }] })
    await sendSse(res, [c({ role: 'assistant', content: '' }), c({ content: 'Hello' }), c({}, 'stop'),
      JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'up-model-2025', choices: [], usage }), '[DONE]'])
  }, '/v1')
  t.teardown(() => upstream.close())

  const lines: string[] = []
  const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb() } }))
  const audit = new MemoryAuditRecorder()
  const gw = await startGateway({
    providers: { up: { type: 'openai', base_url: upstream.url } },
    models: { chat: { targets: [{ provider: 'up', model: 'up-model' }] } },
    resilience: { max_attempts: 2, backoff_base_ms: 1, backoff_max_ms: 2 },
    auth: { anonymous_team: 'research' },
    teams: { research: {} },
  }, {}, { audit, logger, env: process.env })
  t.ok(gw.gateway.config.env.otelEnabled, 'OTEL_EXPORTER_OTLP_ENDPOINT enables tracing')

  const res = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
  })
  const text = await res.text()
  t.equal(res.status, 200)
  t.match(text, /Hello/)
  t.equal(res.headers.get('x-switchyard-attempts'), '2', 'one retry')
  await gw.close() // flushes the span processor

  t.equal(upstream.received.length, 2)
  const parents = upstream.received.map((r) => /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(r.headers.traceparent)))
  t.ok(parents[0] && parents[1], 'both upstream attempts got a W3C traceparent')
  const traceId = parents[0]![1]!
  t.equal(parents[1]![1], traceId, 'same trace on both attempts')

  t.ok(collector.contentTypes.every((c) => c.includes('application/json')), 'OTLP/HTTP JSON')
  const spans = collector.spans.filter((s) => s.traceId === traceId)
  t.equal(new Set(collector.spans.map((s) => s.traceId)).size, 1, 'the call produced one trace')
  const byName = (name: string) => spans.filter((s) => s.name === name)
  const [server] = byName('POST /v1/chat/completions')
  t.ok(server, 'server span')
  t.equal(server!.kind, SERVER)
  t.notOk(server!.parentSpanId, 'server span is the root')
  for (const name of ['switchyard.auth', 'switchyard.context', 'switchyard.policy', 'switchyard.audit.enqueue']) {
    const [s] = byName(name)
    t.ok(s, `${name} span`)
    t.equal(s?.parentSpanId, server!.spanId, `${name} is a child of the server span`)
  }
  t.equal(attr(byName('switchyard.policy')[0]!, 'switchyard.team'), 'research')
  t.ok(attr(byName('switchyard.policy')[0]!, 'switchyard.rule'), 'policy span names the rule')

  const attempts = byName('chat up-model')
  t.equal(attempts.length, 2, 'two attempt spans')
  for (const a of attempts) {
    t.equal(a.kind, CLIENT)
    t.equal(a.parentSpanId, server!.spanId, 'attempt is a child of the server span')
    t.equal(attr(a, 'gen_ai.system'), 'openai')
    t.equal(attr(a, 'gen_ai.operation.name'), 'chat')
    t.equal(attr(a, 'gen_ai.request.model'), 'up-model')
  }
  const [failed, ok] = [attempts.find((a) => attr(a, 'switchyard.attempt') === 1)!, attempts.find((a) => attr(a, 'switchyard.attempt') === 2)!]
  t.equal(failed.status?.code, STATUS_ERROR, 'first attempt failed')
  t.equal(attr(failed, 'http.response.status_code'), 503)
  t.not(ok.status?.code, STATUS_ERROR, 'second attempt succeeded')
  t.equal(attr(ok, 'gen_ai.usage.input_tokens'), 21)
  t.equal(attr(ok, 'gen_ai.usage.output_tokens'), 7)
  t.same(parents.map((p) => p![2]), [failed.spanId, ok.spanId], 'each traceparent names its attempt span')

  t.equal(attr(server!, 'gen_ai.usage.input_tokens'), 21)
  t.equal(attr(server!, 'gen_ai.usage.output_tokens'), 7)
  t.equal(attr(server!, 'gen_ai.request.model'), 'chat')
  t.equal(attr(server!, 'gen_ai.response.model'), 'up-model')
  t.equal(attr(server!, 'gen_ai.system'), 'openai')
  t.equal(attr(server!, 'switchyard.team'), 'research')
  t.ok(attr(server!, 'switchyard.rule'), 'server span names the rule')
  t.equal(attr(server!, 'switchyard.attempts'), 2)

  t.equal(audit.rows[0]?.traceId, traceId, 'audit row carries the trace id')
  const callLine = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'call')
  t.equal(callLine?.traceId, traceId, 'the call log line carries the trace id')
})
