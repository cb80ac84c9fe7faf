import { NodeSDK } from '@opentelemetry/sdk-node'
import { setTracingEnabled } from './tracer.js'

/**
 * OpenTelemetry SDK bootstrap. Imported dynamically, and only when the standard OTEL_* variables
 * enable tracing (see readEnv().otelEnabled): with tracing off this module and the SDK are never
 * loaded, and @opentelemetry/api stays a no-op.
 *
 * Everything else comes from the standard variables: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT,
 * OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL (http/protobuf by default, http/json, grpc),
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER(_ARG), OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_PROPAGATORS (W3C tracecontext and baggage by default), OTEL_BSP_*.
 * Only traces are set up: metrics are Prometheus (/metrics), logs are pino.
 */
interface Tracing {
  /** Flushes pending spans and unregisters the SDK. */
  shutdown(): Promise<void>
}

let active: { sdk: NodeSDK; users: number } | null = null

export function startTracing(opts: { serviceName?: string | undefined } = {}): Tracing {
  if (!active) {
    const sdk = new NodeSDK({
      ...(opts.serviceName ? { serviceName: opts.serviceName } : {}),
      instrumentations: [],
      metricReaders: [],
      logRecordProcessors: [],
    })
    sdk.start()
    setTracingEnabled(true)
    active = { sdk, users: 0 }
  }
  const current = active
  current.users++
  let stopped = false
  return {
    async shutdown() {
      if (stopped) return
      stopped = true
      if (--current.users > 0) return
      if (active === current) {
        active = null
        setTracingEnabled(false)
      }
      await current.sdk.shutdown()
    },
  }
}
