import { sendJson, startFakeUpstream, type FakeUpstream } from './fake-upstream.js'

export const chunk = (content: string) => JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })

/**
 * An OpenAI-shaped upstream for audit tests, by model name: `broken` answers 500, `slow` streams a chunk
 * every 20 ms until the client goes away, `nousage` answers without usage, `priced` reports the usage in
 * `knownUsage`, anything else answers "ok" (streamed or not) with small usage.
 */
export const knownUsage = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 400 }, completion_tokens_details: { reasoning_tokens: 200 } }

export function startAuditUpstream(): Promise<FakeUpstream> {
  return startFakeUpstream(async (req, res) => {
    const model = String(req.body?.model ?? '')
    if (model === 'broken') return sendJson(res, 500, { error: { message: 'upstream exploded', type: 'server_error' } })
    if (model === 'slow' || req.body?.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      if (model === 'slow') {
        const timer = setInterval(() => res.write(`data: ${chunk('tick ')}\n\n`), 20)
        res.on('close', () => clearInterval(timer))
        res.write(`data: ${chunk('tick ')}\n\n`)
        return
      }
      res.write(`data: ${chunk('ok')}\n\n`)
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`)
      res.end('data: [DONE]\n\n')
      return
    }
    const usage = model === 'nousage' ? undefined : model === 'priced' || model === 'priced-plain' ? knownUsage : { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }
    sendJson(res, 200, {
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok, here is the answer' }, finish_reason: 'stop' }],
      ...(usage ? { usage } : {}),
    })
  }, '/v1')
}
