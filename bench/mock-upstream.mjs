// A fast fake OpenAI upstream for the benchmark: JSON answers, or SSE with N content chunks.
import { createServer } from 'node:http'

const port = Number(process.argv[2] ?? 0)
const chunks = Number(process.env.BENCH_CHUNKS ?? 20)
const usage = { prompt_tokens: 12, completion_tokens: chunks, total_tokens: 12 + chunks }
const completion = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1700000000, model: 'gpt-4o-mini', system_fingerprint: 'fp_bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'word '.repeat(chunks).trim(), refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage,
})
const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini', system_fingerprint: 'fp_bench' }
const frame = (o) => `data: ${JSON.stringify(o)}\n\n`
const streamFrames = (withUsage) => [
  frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
  ...Array.from({ length: chunks }, () => frame({ ...base, choices: [{ index: 0, delta: { content: 'word ' }, finish_reason: null }] })),
  frame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
  ...(withUsage ? [frame({ ...base, choices: [], usage })] : []),
  'data: [DONE]\n\n',
]
const sseWith = streamFrames(true)
const sseWithout = streamFrames(false)
let requests = 0

const server = createServer((req, res) => {
  if (req.url === '/__stats') return res.end(JSON.stringify({ requests }))
  const parts = []
  req.on('data', (c) => parts.push(c))
  req.on('end', () => {
    requests++
    const body = Buffer.concat(parts).toString()
    if (body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      // frame by frame, as a real upstream writes them
      for (const f of body.includes('"include_usage":true') ? sseWith : sseWithout) res.write(f)
      res.end()
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) })
      res.end(completion)
    }
  })
})
server.keepAliveTimeout = 60_000
server.listen(port, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
