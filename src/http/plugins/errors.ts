import type { FastifyError, FastifyInstance } from 'fastify'
import { ClientCancelledError } from '../../call/cancel.js'
import { GatewayError, asGatewayError } from '../../errors/gateway-error.js'
import { renderOpenAIError } from '../../ingress/openai-errors.js'

/** Fastify's own errors, by code, as gateway errors. */
function fromFastify(err: FastifyError): GatewayError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('request_too_large', 'The request body is larger than this gateway accepts.')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('invalid_json', `The request body is not valid JSON: ${err.message}`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('invalid_request', 'Send the body as application/json.', { status: 415 })
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'The Content-Length header does not match the body.')
    default:
      break
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) return new GatewayError('invalid_json', `The request body is not valid JSON: ${err.message}`)
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new GatewayError('invalid_request', err.message, { status: err.statusCode })
  }
  return null
}

/** Every error from any layer leaves in the route's client dialect, and is noted on the call's audit record. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const call = request.call
    if (err instanceof ClientCancelledError) {
      call?.fail(err)
      // nobody is listening any more; 499 is what the audit and metrics see
      reply.code(499).send()
      return
    }
    const gwErr = err instanceof GatewayError ? err : (fromFastify(err) ?? asGatewayError(err))
    call?.fail(gwErr)
    if (gwErr.status >= 500 && !(err instanceof GatewayError)) request.log.error({ err }, 'unhandled error')
    const out = (request.routeOptions.config.dialect?.renderError ?? renderOpenAIError)(gwErr)
    reply
      .code(out.status)
      .headers({ ...(call?.responseHeaders ?? {}), ...out.headers })
      .type('application/json')
      .send(out.body)
  })

  app.setNotFoundHandler((request, reply) => {
    const out = renderOpenAIError(new GatewayError('not_found', `Unknown route: ${request.method} ${request.url.split('?')[0]}`))
    reply.code(404).type('application/json').send(out.body)
  })
}
