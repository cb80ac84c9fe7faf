/**
 * Server-sent events decoder per the WHATWG event-stream rules: LF, CR and CRLF line ends,
 * multi-line `data`, comments, `event` and `id` fields. Bytes in, events out; no provider knowledge.
 */
export interface SseEvent {
  event: string | undefined
  data: string
  id: string | undefined
}

export class SseDecoder {
  private buffer = ''
  private data: string[] = []
  private event: string | undefined
  private id: string | undefined
  private readonly utf8 = new TextDecoder('utf-8')
  private pendingCR = false

  /** Feed a chunk of bytes (or text); returns the events it completed. */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.utf8.decode(chunk, { stream: true })
    if (this.pendingCR) {
      // a CR ended the previous chunk: a following LF belongs to it
      if (text.startsWith('\n')) text = text.slice(1)
      this.pendingCR = false
    }
    this.buffer += text
    const out: SseEvent[] = []
    let start = 0
    const buf = this.buffer
    for (;;) {
      let nl = -1
      let skip = 1
      for (let i = start; i < buf.length; i++) {
        const c = buf.charCodeAt(i)
        if (c === 10) { nl = i; break }
        if (c === 13) {
          nl = i
          if (i + 1 < buf.length) { if (buf.charCodeAt(i + 1) === 10) skip = 2 }
          else this.pendingCR = true
          break
        }
      }
      if (nl < 0) break
      this.line(buf.slice(start, nl), out)
      start = nl + skip
    }
    this.buffer = buf.slice(start)
    return out
  }

  /** End of stream: a final event without its blank line is dispatched, per the spec it is dropped; we keep it, as proxies truncate. */
  end(): SseEvent[] {
    const out: SseEvent[] = []
    const tail = this.buffer + this.utf8.decode()
    this.buffer = ''
    if (tail.length > 0) this.line(tail, out)
    if (this.data.length > 0) this.dispatch(out)
    return out
  }

  private line(line: string, out: SseEvent[]): void {
    if (line.length === 0) { this.dispatch(out); return }
    if (line.charCodeAt(0) === 58) return // ':' comment
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    switch (field) {
      case 'data': this.data.push(value); break
      case 'event': this.event = value; break
      case 'id': if (!value.includes('\0')) this.id = value; break
      default: break // retry and unknown fields are ignored
    }
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data.length > 0 || this.event !== undefined) {
      out.push({ event: this.event, data: this.data.join('\n'), id: this.id })
    }
    this.data = []
    this.event = undefined
  }
}
