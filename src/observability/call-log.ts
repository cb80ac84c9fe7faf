import type { CallRecord } from '../call/record.js'
import type { Logger } from 'pino'
import type { Log } from '../call/log.js'
import { isoTimeAt, lineSinkOf, type LineSink } from './logger.js'

/** The fields of the call line, in order. No prompts, no keys: ids, routing, outcome, timings. */
function callFields(r: CallRecord) {
  return {
    requestId: r.requestId,
    endpoint: r.endpoint,
    team: r.teamId,
    session: r.sessionId,
    model: r.requestedModel,
    rule: r.rule,
    policyVersion: r.policyVersion,
    reason: r.reason,
    provider: r.provider,
    upstreamModel: r.model,
    attempts: r.attempts.length,
    stream: r.stream,
    status: r.status,
    outcome: r.outcome,
    error: r.errorType,
    latencyMs: r.latencyMs,
    ttftMs: r.ttftMs,
    tokens: r.promptTokens === null ? null : { in: r.promptTokens, out: r.completionTokens },
    costUsd: r.costUsd,
    traceId: r.traceId,
  }
}

const str = (v: string | null): string => (v === null ? 'null' : JSON.stringify(v))
const num = (v: number | null): string => (v === null || !Number.isFinite(v) ? 'null' : String(v))

/**
 * The call line serialized in one template, the same JSON pino would write for callFields (a test
 * compares the two). pino walks and escapes the object key by key; on a gateway that writes one line
 * per call that was several microseconds of every call.
 */
function callLine(logger: Logger, sink: LineSink, r: CallRecord): string {
  const time = isoTimeAt(Date.now())
  const bindings = sink.bindings
  const tokens = r.promptTokens === null ? 'null' : `{"in":${num(r.promptTokens)},"out":${num(r.completionTokens)}}`
  return `{"level":${logger.levels.values.info}${time}${bindings},"requestId":${str(r.requestId)},"endpoint":${str(r.endpoint)},"team":${str(r.teamId)},"session":${str(r.sessionId)},"model":${str(r.requestedModel)},"rule":${str(r.rule)},"policyVersion":${str(r.policyVersion)},"reason":${str(r.reason)},"provider":${str(r.provider)},"upstreamModel":${str(r.model)},"attempts":${r.attempts.length},"stream":${r.stream},"status":${num(r.status)},"outcome":${str(r.outcome)},"error":${str(r.errorType)},"latencyMs":${num(r.latencyMs)},"ttftMs":${num(r.ttftMs)},"tokens":${tokens},"costUsd":${num(r.costUsd)},"traceId":${str(r.traceId)},"msg":"call"}\n`
}

/**
 * The one log line per call. Every field is listed in callFields and none can hold a secret, so on
 * the gateway's own logger it is serialized directly, without pino's redaction pass, and written to
 * the destination createLogger made for that logger (only pino's public API is used).
 */
export function logCall(log: Log, r: CallRecord): void {
  const sink = lineSinkOf(log)
  if (sink) {
    const logger = log as Logger
    if (logger.isLevelEnabled('info')) sink.write(callLine(logger, sink, r))
    return
  }
  log.info(callFields(r), 'call')
}
