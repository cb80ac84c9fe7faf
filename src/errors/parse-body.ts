import type { z } from 'zod'
import { GatewayError } from './gateway-error.js'

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

/** zod issue path as OpenAI's dotted `param` ("messages.[0].content" style: messages[0].content). */
function issuePathToParam(path: ReadonlyArray<PropertyKey>): string | null {
  if (path.length === 0) return null
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), '')
}
