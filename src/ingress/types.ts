import type { GatewayError } from '../errors/gateway-error.js'

/** An error as a client API says it: status, extra headers and the JSON body. */
export interface RenderedError {
  status: number
  headers: Readonly<Record<string, string>>
  body: string
}

/**
 * What the HTTP layer needs to know of an ingress besides its routes: how its client reads errors.
 * Each ingress folder (src/ingress/<api>/) owns its schema, decode, encode and this rendering.
 */
export interface IngressDialect {
  renderError(err: GatewayError): RenderedError
}
