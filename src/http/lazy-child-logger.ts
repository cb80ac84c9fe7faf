import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'

/**
 * A request's logger that becomes a real pino child only when something logs through it.
 * Most calls never do (their one line is written by logCall), and building a child per request
 * (bindings serialized, redaction applied) was a measurable share of the gateway's CPU.
 */
class LazyChildLogger {
  private real: FastifyBaseLogger | null = null

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  private get log(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings, this.opts))
  }

  get level(): string {
    return this.real?.level ?? this.opts.level ?? this.parent.level
  }

  set level(level: string) {
    this.log.level = level
  }

  fatal(...args: Parameters<FastifyBaseLogger['fatal']>): void {
    this.log.fatal(...args)
  }
  error(...args: Parameters<FastifyBaseLogger['error']>): void {
    this.log.error(...args)
  }
  warn(...args: Parameters<FastifyBaseLogger['warn']>): void {
    this.log.warn(...args)
  }
  info(...args: Parameters<FastifyBaseLogger['info']>): void {
    this.log.info(...args)
  }
  debug(...args: Parameters<FastifyBaseLogger['debug']>): void {
    this.log.debug(...args)
  }
  trace(...args: Parameters<FastifyBaseLogger['trace']>): void {
    this.log.trace(...args)
  }
  silent(...args: Parameters<FastifyBaseLogger['silent']>): void {
    this.log.silent(...args)
  }
  child(bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger {
    return this.log.child(bindings, opts)
  }
}

/** fastify `childLoggerFactory`: the per-request child is built on first use. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, opts) as unknown as FastifyBaseLogger
}
