import type { ProviderConfig } from '../../src/config/schema.js'
import { SseDecoder } from '../../src/providers/shared/sse-decoder.js'
import type { AdapterContext, StreamMapper } from '../../src/providers/types.js'
import type { ChatCompletionChunk, StreamOut } from '../../src/call/chat-result.js'

/** A deterministic adapter context: fixed clock, counting id generator. */
export function testContext(type: ProviderConfig['type'], opts: { stream?: boolean; model?: string; config?: Partial<ProviderConfig>; apiKey?: string } = {}): AdapterContext {
  let n = 0
  return {
    target: { provider: `my-${type}`, model: opts.model ?? 'model-x', config: { type, ...opts.config } as ProviderConfig },
    apiKey: opts.apiKey ?? 'sk-provider-secret',
    stream: opts.stream ?? false,
    now: () => 1_700_000_000,
    newId: () => `gen_${++n}`,
  }
}

/** Feeds SSE text through the decoder and a mapper, split into `pieces` byte chunks to exercise reassembly. */
export function runStream(mapper: StreamMapper, sse: string, pieces = 7): { outs: StreamOut[]; complete: boolean } {
  const decoder = new SseDecoder()
  const outs: StreamOut[] = []
  const bytes = Buffer.from(sse, 'utf8')
  const step = Math.max(1, Math.ceil(bytes.length / pieces))
  for (let i = 0; i < bytes.length; i += step) for (const ev of decoder.push(bytes.subarray(i, i + step))) outs.push(...mapper.push(ev))
  for (const ev of decoder.end()) outs.push(...mapper.push(ev))
  outs.push(...mapper.end())
  return { outs, complete: mapper.complete }
}

export const chunksOf = (outs: StreamOut[]): ChatCompletionChunk[] => outs.flatMap((o) => (o.kind === 'chunk' ? [o.chunk] : []))

/** Reassembles chunks the way OpenAI SDKs do: content concatenated, tool calls merged by index. */
export function reassemble(chunks: ChatCompletionChunk[]): Array<{ content: string; finish: string | null; tools: Array<{ id: string; name: string; arguments: string }> }> {
  const choices: Array<{ content: string; finish: string | null; tools: Array<{ id: string; name: string; arguments: string }> }> = []
  for (const c of chunks) {
    for (const ch of c.choices) {
      const acc = (choices[ch.index] ??= { content: '', finish: null, tools: [] })
      if (ch.delta.content) acc.content += ch.delta.content
      for (const tc of ch.delta.tool_calls ?? []) {
        const t = (acc.tools[tc.index] ??= { id: '', name: '', arguments: '' })
        if (tc.id) t.id = tc.id
        if (tc.function?.name) t.name = tc.function.name
        if (tc.function?.arguments) t.arguments += tc.function.arguments
      }
      if (ch.finish_reason) acc.finish = ch.finish_reason
    }
  }
  return choices
}
