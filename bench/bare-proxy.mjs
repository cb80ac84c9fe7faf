// The floor: the least a Node proxy can do (node:http in, undici Pool out, bodies piped, nothing parsed).
import { createServer } from 'node:http'
import { Pool } from 'undici'

const port = Number(process.argv[2] ?? 0)
const pool = new Pool(process.argv[3], { connections: null, pipelining: 1, keepAliveTimeout: 30_000 })

const server = createServer(async (req, res) => {
  try {
    const { statusCode, headers, body } = await pool.request({ method: req.method, path: req.url, headers: { 'content-type': 'application/json' }, body: req })
    res.writeHead(statusCode, { 'content-type': headers['content-type'] })
    for await (const chunk of body) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r))
    res.end()
  } catch (err) {
    res.writeHead(502).end(String(err))
  }
})
server.keepAliveTimeout = 60_000
server.listen(port, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
