// Open-loop load at a fixed request rate: requests leave on schedule whatever the target does, so a
// slow answer cannot hold back the next request (no coordinated omission). Latency is service time
// (request sent -> last byte read), in microseconds, from process.hrtime.
import { Pool } from 'undici'

const nowUs = () => Number(process.hrtime.bigint() / 1000n)

/**
 * Sends `rate` requests per second for `seconds` to `url` and resolves with the sorted latencies
 * (µs) of the requests that got a 2xx, and the count of the ones that did not. `pool` (an undici
 * Pool for the url's origin) keeps connections open across calls.
 */
export async function fixedRate({ url, body, headers, rate, seconds, pool: shared }) {
  const u = new URL(url)
  const pool = shared ?? new Pool(u.origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 })
  const total = Math.round(rate * seconds)
  const intervalUs = 1e6 / rate
  const latencies = []
  let failed = 0
  let sent = 0
  const pending = []
  const start = nowUs()

  const one = async () => {
    const t0 = nowUs()
    try {
      const res = await pool.request({ method: 'POST', path: u.pathname, headers, body })
      await res.body.text()
      if (res.statusCode >= 200 && res.statusCode < 300) latencies.push(nowUs() - t0)
      else failed++
    } catch {
      failed++
    }
  }

  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((nowUs() - start) / intervalUs) + 1)
      while (sent < due) {
        sent++
        pending.push(one())
      }
      if (sent >= total) resolve()
      else setTimeout(tick, 1)
    }
    tick()
  })
  await Promise.all(pending)
  if (!shared) await pool.close()
  latencies.sort((a, b) => a - b)
  return { latencies, failed }
}

/** Percentile (0-100) of sorted values. */
export const percentile = (sorted, p) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))])

export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
