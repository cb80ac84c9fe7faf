import { Counter, type Registry } from 'prom-client'

/** Metrics of the context layer (keys, teams, sessions), registered on the gateway's registry. */
export class ContextMetrics {
  readonly storeErrors: Counter<'op'>
  readonly keyLookups: Counter<'source'>

  constructor(registry: Registry) {
    this.storeErrors = new Counter({
      name: 'switchyard_context_store_errors_total',
      help: 'Failed context-store operations (Redis unreachable), by operation.',
      labelNames: ['op'] as const,
      registers: [registry],
    })
    this.keyLookups = new Counter({
      name: 'switchyard_key_lookups_total',
      help: 'API key resolutions by where the answer came from (local, store, database, stale, config).',
      labelNames: ['source'] as const,
      registers: [registry],
    })
  }
}
