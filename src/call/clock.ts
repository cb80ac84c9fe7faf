import { randomUUID } from 'node:crypto'

export interface Clock {
  /** Wall clock, epoch milliseconds. */
  now(): number
  /** Monotonic milliseconds for durations. */
  mono(): number
}

export const systemClock: Clock = { now: () => Date.now(), mono: () => performance.now() }
export const newRequestId = (): string => `req_${randomUUID().replace(/-/g, '')}`
