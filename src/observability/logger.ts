import { pino, type Logger, type LoggerOptions } from 'pino'

/** The single list of paths pino redacts: keys and credentials never reach logs. */
export const redactPaths = [
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

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: 'switchyard' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
}

/** Loggers made by createLogger: plain pino (no formatters, mixins or hooks), safe to write lines to directly. */
const plainLoggers = new WeakSet<Logger>()

export const isPlainLogger = (log: object): log is Logger => plainLoggers.has(log as Logger)

/**
 * stdout through an asynchronous sonic-boom destination: log lines are batched into writes of
 * 32 KiB or more instead of one write per call (each write converts and copies its text on the
 * main thread), and flushed every 250 ms so a quiet gateway's lines still show promptly. Flushed
 * on shutdown too (flushLogger).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const logger = pino(loggerOptions(level), destination ?? pino.destination({ dest: 1, sync: false, minLength: 32_768, maxWrite: 65_536, periodicFlush: 250 }))
  plainLoggers.add(logger)
  return logger
}

export function flushLogger(logger: Logger): void {
  try {
    logger.flush()
  } catch {
    // destination not ready or already closed
  }
}
