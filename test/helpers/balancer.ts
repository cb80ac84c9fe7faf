import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A backend as the balancer sees it (like an EndpointSlice entry plus counters). */
export interface Backend {
  name: string
  url: string
  ready: boolean
  /** Requests answered by this backend (response passed to the client). */
  served: number
  /** Requests sent to this backend and not finished yet (including ones it has not answered). */
  inflight: number
  /** Responses currently streaming through this backend (headers received, body not finished). */
  streaming: number
  /** Attempts this backend refused without processing them (connection refused, 503 while closing). */
  refused: number
  /** Of those, the ones the gateway itself answered `shutting_down` (it audits them). */
  refusedShuttingDown: number
}

export interface Balancer {
  url: string
  backends: Backend[]
  /** Requests the balancer could not place on any ready backend, or that failed after being accepted. */
  failures: string[]
  close(): Promise<void>
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length'])

/**
 * Round-robin HTTP balancer for tests, behaving like a Kubernetes Service with a retrying ingress:
 * it polls every backend's /readyz and only sends to ready ones; an attempt that a backend refused
 * outright (connection refused, or 503 `shutting_down` before any processing) goes to the next ready
 * backend. Nothing else is retried: a reset after the request was sent is a failure, never masked.
 */
export async function startBalancer(targets: Array<{ name: string; url: string }>, opts: { pollMs?: number } = {}): Promise<Balancer> {
  const backends: Backend[] = targets.map((t) => ({ ...t, ready: false, served: 0, inflight: 0, streaming: 0, refused: 0, refusedShuttingDown: 0 }))
  const failures: string[] = []
  const agent = new Agent({ keepAlive: false }) // a fresh connection per attempt: no idle-socket races to excuse
  let next = 0
  let stopped = false

  const poll = async (b: Backend) => {
    while (!stopped) {
      try {
        const res = await fetch(`${b.url}/readyz`, { signal: AbortSignal.timeout(1000) })
        await res.arrayBuffer()
        b.ready = res.status === 200
      } catch {
        b.ready = false
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 50))
    }
  }
  const pollers = backends.map(poll)
  await new Promise((r) => setTimeout(r, 10))

  const pick = (exclude: Set<Backend>): Backend | undefined => {
    for (let i = 0; i < backends.length; i++) {
      const b = backends[(next + i) % backends.length]!
      if (b.ready && !exclude.has(b)) {
        next = (next + i + 1) % backends.length
        return b
      }
    }
    return undefined
  }

  type Outcome = { kind: 'response'; res: IncomingMessage } | { kind: 'refused'; audited: boolean } | { kind: 'error'; message: string }
  const attempt = (b: Backend, method: string, path: string, headers: Record<string, string>, body: Buffer) =>
    new Promise<Outcome>((resolve) => {
      const req = httpRequest(`${b.url}${path}`, { method, headers: { ...headers, 'content-length': String(body.length) }, agent }, async (res) => {
        if (res.statusCode === 503) {
          const chunks: Buffer[] = []
          for await (const c of res) chunks.push(c as Buffer)
          const text = Buffer.concat(chunks).toString('utf8')
          // The gateway's own refusal while draining (OpenAI-shaped, audited) ...
          if (text.includes('"shutting_down"')) return resolve({ kind: 'refused', audited: true })
          // ... or Fastify's, for a request that raced the listener closing (never entered the gateway).
          if (res.headers.connection === 'close' && text.includes('"message":"Service Unavailable"')) return resolve({ kind: 'refused', audited: false })
          return resolve({ kind: 'error', message: `503 from ${b.name}: ${text}` })
        }
        resolve({ kind: 'response', res })
      })
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? { kind: 'refused', audited: false } : { kind: 'error', message: `${b.name}: ${err.code ?? err.message}` }))
      req.end(body)
    })

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => !HOP.has(k) && typeof v === 'string')) as Record<string, string>
    const tried = new Set<Backend>()
    for (;;) {
      const b = pick(tried)
      if (!b) {
        failures.push(`no ready backend for ${req.url}`)
        res.writeHead(502).end('no ready backend')
        return
      }
      tried.add(b)
      b.inflight++
      const out = await attempt(b, req.method ?? 'GET', req.url ?? '/', headers, body)
      if (out.kind === 'refused') {
        b.inflight--
        b.refused++
        if (out.audited) b.refusedShuttingDown++
        continue
      }
      if (out.kind === 'error') {
        b.inflight--
        failures.push(out.message)
        res.writeHead(502).end(out.message)
        return
      }
      const up = out.res
      b.streaming++
      res.writeHead(up.statusCode ?? 502, Object.fromEntries(Object.entries(up.headers).filter(([k]) => !HOP.has(k))) as Record<string, string>)
      up.on('data', (c: Buffer) => res.write(c))
      up.on('end', () => {
        b.inflight--
        b.streaming--
        b.served++
        res.end()
      })
      let cut = false
      const onCut = () => {
        if (cut || up.complete) return
        cut = true
        b.inflight--
        b.streaming--
        failures.push(`${b.name}: stream cut after acceptance`)
        res.destroy()
      }
      up.on('aborted', onCut)
      up.on('error', onCut)
      return
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    backends,
    failures,
    async close() {
      stopped = true
      await Promise.all(pollers)
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      agent.destroy()
    },
  }
}
