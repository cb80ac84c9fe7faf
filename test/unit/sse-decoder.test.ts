import t from 'tap'
import { SseDecoder, type SseEvent } from '../../src/providers/shared/sse-decoder.js'

const decodeAll = (parts: Array<string | Uint8Array>): SseEvent[] => {
  const d = new SseDecoder()
  const out = parts.flatMap((p) => d.push(p))
  return [...out, ...d.end()]
}

t.test('line endings: LF, CRLF and CR all frame events', async (t) => {
  for (const [name, text] of [['LF', 'data: a\n\ndata: b\n\n'], ['CRLF', 'data: a\r\n\r\ndata: b\r\n\r\n'], ['CR', 'data: a\r\rdata: b\r\r']] as const) {
    t.same(decodeAll([text]).map((e) => e.data), ['a', 'b'], name)
  }
})

t.test('a CRLF split across two reads is one line end', async (t) => {
  t.same(decodeAll(['data: a\r', '\n\r', '\ndata: b\r\n\r\n']).map((e) => e.data), ['a', 'b'])
})

t.test('events split at every byte decode the same', async (t) => {
  const text = 'event: message_start\ndata: {"x":1}\n\n: keep-alive\n\nevent: ping\ndata: {}\n\n'
  const whole = decodeAll([text])
  const bytes = Buffer.from(text)
  t.same(decodeAll([...bytes].map((b) => Uint8Array.of(b))), whole)
  t.same(whole.map((e) => [e.event, e.data]), [['message_start', '{"x":1}'], ['ping', '{}']])
})

t.test('multi-line data joins with newlines; comments and unknown fields are ignored', async (t) => {
  const [ev] = decodeAll([': comment\nretry: 10\nfoo: bar\ndata: line1\ndata:line2\nid: 7\n\n'])
  t.equal(ev!.data, 'line1\nline2')
  t.equal(ev!.id, '7')
})

t.test('a UTF-8 character split across reads survives', async (t) => {
  const bytes = Buffer.from('data: héllo wörld ✓\n\n')
  const cut = bytes.indexOf(0xc3) + 1 // inside the two-byte é
  t.equal(decodeAll([bytes.subarray(0, cut), bytes.subarray(cut)])[0]!.data, 'héllo wörld ✓')
})

t.test('a final event without its blank line is still delivered at end of stream', async (t) => {
  t.same(decodeAll(['data: [DONE]']).map((e) => e.data), ['[DONE]'])
})
