import type { Call } from '../call/call.js'
import { GatewayError } from '../errors/gateway-error.js'
import { injectTraceHeaders } from '../observability/tracer.js'
import { adapterFor } from '../providers/registry.js'
import type { UpstreamResponse } from '../providers/shared/transport.js'
import type { AdapterContext, ProviderAdapter, Target, UpstreamRequest } from '../providers/types.js'
import type { ResolvedRoute } from '../routing/catalog.js'
import { resolveTimeouts } from '../routing/timeouts.js'
import type { Runtime } from '../runtime/runtime.js'
import type { StageDeps } from './types.js'

interface Exchanged {
  adapter: ProviderAdapter
  actx: AdapterContext
  upstream: UpstreamResponse
}

/** The adapter of a target, or a failure another target may absorb. */
function adapterOf(target: Target): ProviderAdapter {
  const adapter = adapterFor(target.config.type)
  if (!adapter) throw new GatewayError('upstream_unavailable', `No adapter for provider type "${target.config.type}".`, { fallback: true })
  return adapter
}

/** A provider whose key comes from an environment variable that is not set cannot be called: say which variable. */
function apiKey(rt: Runtime, target: Target): string | undefined {
  const key = rt.config.secrets.get(target.provider)
  const env = target.config.api_key_env
  if (key === undefined && env !== undefined) {
    throw new GatewayError('upstream_unavailable', `Provider "${target.provider}" has no API key: the environment variable ${env} (its api_key_env) is not set on the gateway.`, { fallback: true })
  }
  return key
}

/**
 * One upstream request of an attempt: the request the adapter builds for this target, sent with the
 * target's timeouts and the call's signal; an upstream error status becomes the adapter's GatewayError.
 */
export interface ExchangeOptions {
  stream: boolean
  /** The request this target gets, built by its adapter. */
  build(adapter: ProviderAdapter, actx: AdapterContext): UpstreamRequest
  /** The JSON text of the request when it is exactly the client's (AdapterContext.rawBody). */
  rawBody?: string | undefined
  /** Told the upstream's status as soon as it is known (the attempt span records it). */
  onStatus?: ((status: number) => void) | undefined
}

/**
 * One upstream request of an attempt: the request the adapter builds for this target, sent with the
 * target's timeouts and the call's signal; an upstream error status becomes the adapter's GatewayError.
 */
export async function exchange(deps: StageDeps, rt: Runtime, call: Call, target: Target, route: ResolvedRoute, o: ExchangeOptions): Promise<Exchanged> {
  const adapter = adapterOf(target)
  const actx: AdapterContext = { target, apiKey: apiKey(rt, target), stream: o.stream, now: () => Math.floor(deps.clock.now() / 1000), newId: deps.newId, rawBody: o.rawBody }
  const req = o.build(adapter, actx)
  injectTraceHeaders(req.headers)
  const timeouts = resolveTimeouts(rt.config.gateway.resilience, target, route.timeouts)
  const upstream = await deps.transports.for(target).send(req, { signal: call.signal, timeouts })
  o.onStatus?.(upstream.status)
  if (upstream.status >= 400) throw await upstreamFailure(adapter, upstream, actx)
  return { adapter, actx, upstream }
}

async function upstreamFailure(adapter: ProviderAdapter, res: UpstreamResponse, actx: AdapterContext): Promise<GatewayError> {
  let text = ''
  try {
    text = await res.text()
  } catch {
    // the error body itself failed: classify by status alone
  }
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return adapter.mapError(res.status, body, res.headers, actx)
}
