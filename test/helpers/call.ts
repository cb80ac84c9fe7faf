import { pino } from 'pino'
import { MemoryAuditRecorder } from '../../src/adapters/audit/memory.js'
import { Call, type OpenCallOptions } from '../../src/call/call.js'
import { InflightCalls } from '../../src/call/inflight.js'
import type { Principal } from '../../src/identity/principal.js'
import { Metrics } from '../../src/observability/metrics.js'

/** A call made in-process, as workflows and the CLI make them, with real services that keep everything in memory. */
export function testCall(o: Partial<OpenCallOptions> = {}, principal: Principal = { teamId: 't', team: {}, keyId: null, keyName: null }) {
  const audit = new MemoryAuditRecorder()
  const services = { audit, metrics: new Metrics({ defaultMetrics: false }), clock: { now: () => Date.now(), mono: () => performance.now() }, inflight: new InflightCalls(() => performance.now()), logger: pino({ level: 'silent' }), providerType: () => 'openai' }
  const call = new Call(services, { requestId: 'r', endpoint: 'chat.completions', principal, ...o })
  return { call, audit, services }
}
