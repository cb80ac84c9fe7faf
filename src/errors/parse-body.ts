import type { z } from 'zod'
import { GatewayError } from './gateway-error.js'
import { issuePathToParam } from '../ingress/openai-chat/schema.js'

/** Parses a request body, or throws 400 invalid_request naming the first offending `param`. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.')
  }
  const parsed = schema.safeParse(body)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const param = issuePathToParam(issue.path)
  throw new GatewayError('invalid_request', param ? `Invalid value for '${param}': ${issue.message}` : issue.message, { param })
}
