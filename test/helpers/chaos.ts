import type { ServerResponse } from 'node:http'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'

/** Small builders for chaos tests: OpenAI-shaped answers, stream chunks, a raw chat call, polling. */

export const completion = (content: string, model = 'm') => ({
  id: 'chatcmpl-chaos',
  object: 'chat.completion',
  created: 1741569952,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
})

export const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-chaos', object: 'chat.completion.chunk', created: 1741569952, model: 'm', choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: finish }] })}\n\n`

export const sseHead = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })

export interface ChatCall {
  status: number
  headers: Headers
  text: string
  json: any
  /** SSE data payloads, for streams. */
  events: string[]
  ms: number
}

/** POSTs a chat completion and reads the whole answer (stream or not). */
export async function chat(baseURL: string, body: object, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<ChatCall> {
  const started = performance.now()
  const res = await fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
    ...(init.signal ? { signal: init.signal } : {}),
  })
  const text = await res.text()
  const ms = performance.now() - started
  let json: any = null
  try {
    json = JSON.parse(text)
  } catch {
    // a stream
  }
  const events = text
    .split('\n\n')
    .map((f) => f.trim())
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6))
  return { status: res.status, headers: res.headers, text, json, events, ms }
}

/** The assistant text carried by a stream's events. */
export const streamedText = (events: string[]): string =>
  events
    .filter((e) => e !== '[DONE]')
    .map((e) => JSON.parse(e))
    .map((c) => c.choices?.[0]?.delta?.content ?? '')
    .join('')

/** Polls until `fn` is truthy (audit rows are handed off just after the response ends). */
export async function until(fn: () => unknown, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** A port nothing listens on (connection refused). */
export async function closedPort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
