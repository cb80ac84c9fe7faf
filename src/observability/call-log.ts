import type { CallRecord } from '../core/call-record.js'
import type { Logger } from 'pino'
import type { Log } from '../core/call-context.js'

/**
 * The one log line per call. No prompts, no keys: ids, routing, outcome, timings. Every field is
 * listed here, none can hold a secret, so it is written through a logger without redaction
 * (callLogger), which keeps the per-call cost down.
 */
export function logCall(log: Log, r: CallRecord): void {
  log.info(
    {
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
    },
    'call',
  )
}

/** The logger for call lines: the gateway's logger, same destination, without the redaction pass. */
export function callLogger(logger: Logger): Logger {
  return logger.child({}, { redact: [] })
}
