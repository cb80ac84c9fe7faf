import { hash, timingSafeEqual } from 'node:crypto'
import type { Principal } from './principal.js'

/** Turns the caller's bearer token (or none) into a Principal, or throws 401 invalid_api_key. */
export interface Authenticator {
  authenticate(token: string | null): Promise<Principal>
}

export const KEY_PREFIX = 'sk-sy-'
/** SHA-256 of a key, hex (crypto.hash: one call, no Hash object per request). */
export const hashKey = (key: string): string => hash('sha256', key, 'hex')

export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}
