import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What a fake upstream saw: every request, with its parsed JSON body. */
export interface ReceivedRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: any
  /** The body as it arrived. */
  text: string
}

export type FakeHandler = (req: ReceivedRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>

export interface FakeUpstream {
  url: string
  origin: string
  port: number
  received: ReceivedRequest[]
  /** Replace the handler (tests switch behaviour mid-way). */
  handle(fn: FakeHandler): void
  /** Resolves when a client connection to this server closes (used to assert upstream aborts). */
  closedConnections: number
  close(): Promise<void>
  server: Server
}

/** A real HTTP server on 127.0.0.1:0 that records what it receives and answers with `handler`. */
export async function startFakeUpstream(handler: FakeHandler, path = ''): Promise<FakeUpstream> {
  let current = handler
  const received: ReceivedRequest[] = []
  const state = { closedConnections: 0 }
  const server = createServer(async (raw, res) => {
    const chunks: Buffer[] = []
    for await (const c of raw) chunks.push(c as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      // keep the raw text
    }
    const req: ReceivedRequest = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body, text }
    received.push(req)
    try {
      await current(req, res, raw)
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: String(err) } }))
    }
  })
  server.on('connection', (socket) => socket.on('close', () => state.closedConnections++))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}${path}`,
    origin,
    port,
    received,
    handle: (fn) => void (current = fn),
    get closedConnections() {
      return state.closedConnections
    },
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** Writes SSE frames; `frames` are raw `data:` payloads or full frames when they already end in a blank line. */
export async function sendSse(res: ServerResponse, frames: string[], opts: { intervalMs?: number; crlf?: boolean } = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  for (const f of frames) {
    if (res.destroyed) return
    let frame = f.endsWith('\n\n') ? f : `data: ${f}\n\n`
    if (opts.crlf) frame = frame.replace(/\n/g, '\r\n')
    res.write(frame)
    if (opts.intervalMs) await new Promise((r) => setTimeout(r, opts.intervalMs))
  }
  res.end()
}
