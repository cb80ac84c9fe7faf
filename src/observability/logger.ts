import { pino, type Logger, type LoggerOptions } from 'pino'
import { LineBatcher } from './line-batcher.js'

/** The single list of paths pino redacts: keys and credentials never reach logs. */
const redactPaths = [
  'req.headers.authorization',
  'req.headers["api-key"]',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["api-key"]',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
  '*.apiKey',
  '*.api_key',
  'apiKey',
  'key',
  'token',
]

let cachedSecond = Number.NaN
let cachedPrefix = ''

/**
 * pino's `isoTime` (`,"time":"2026-11-24T04:09:18.123Z"`) for the clock reading `now`, formatting
 * the date part once per second: the full toISOString on every log line showed in profiles.
 */
export function isoTimeAt(now: number): string {
  const second = Math.floor(now / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20) // up to and including the "."
  }
  const ms = now - second * 1000
  return `,"time":"${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`
}

const isoTime = (): string => isoTimeAt(Date.now())

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: BASE,
    timestamp: isoTime,
  }
}

/** The base bindings every line carries (pino writes them after the time), as JSON text. */
const BASE = { service: 'switchyard' }
const baseText = `,${JSON.stringify(BASE).slice(1, -1)}`

/**
 * Where a logger made by createLogger writes: its own destination, which this module made and so may
 * write whole lines to (the call line, see call-log.ts), and the bindings text that follows the time.
 */
export interface LineSink {
  write(line: string): void
  readonly bindings: string
}

const sinks = new WeakMap<object, LineSink>()

/** The line sink of a logger made by createLogger (plain pino: no formatters, mixins or hooks), or null. */
export const lineSinkOf = (log: object): LineSink | null => sinks.get(log) ?? null

/**
 * stdout through a synchronous sonic-boom destination, fed in batches by a LineBatcher: one write
 * per 16 KiB or so of lines instead of one per call (each write converts and copies its text on the
 * main thread), and at least every 250 ms so a quiet gateway's lines still show promptly. Flushed
 * on shutdown too (flushLogger) and at process exit. Synchronous, as pino's own default is: with
 * batches the writes are few, and no write is ever in flight on the thread pool, where one could
 * land after the lines written synchronously at process exit (out of order) or be lost with the
 * process.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const dest = destination ?? new LineBatcher(pino.destination({ dest: 1, sync: true, minLength: 0, maxWrite: 65_536 }))
  const logger = pino(loggerOptions(level), dest)
  sinks.set(logger, { write: (line) => void dest.write(line), bindings: baseText })
  return logger
}

export function flushLogger(logger: Logger): void {
  try {
    logger.flush()
  } catch {
    // destination not ready or already closed
  }
}
