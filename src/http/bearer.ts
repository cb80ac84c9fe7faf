import type { FastifyRequest } from 'fastify'

/** The caller's key: `Authorization: Bearer ...`, or `api-key:` as Azure clients send it. */
export function bearerToken(request: FastifyRequest): string | null {
  const auth = request.headers.authorization
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim())
    if (m) return m[1]!.trim()
  }
  const apiKey = request.headers['api-key']
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim()
  return null
}
