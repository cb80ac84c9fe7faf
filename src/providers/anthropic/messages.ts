import type { ChatMessage, ContentPart } from '../../call/chat.js'
import { parseDataUrl } from '../shared/data-url.js'
import { contentText, parseToolArguments, unsupported } from '../shared/message-parts.js'
import type { AnthropicBlock, AnthropicMessage } from './wire.js'

const P = 'anthropic'

/**
 * OpenAI messages to Anthropic's `system` + alternating user/assistant turns: system and developer
 * messages (wherever they are) join `system`; tool results become user `tool_result` blocks; turns
 * of the same role are merged, as the API requires alternation.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): { system: string | undefined; messages: AnthropicMessage[] } {
  const system: string[] = []
  const out: AnthropicMessage[] = []
  const push = (role: AnthropicMessage['role'], blocks: AnthropicBlock[]) => {
    if (blocks.length === 0) return
    const last = out.at(-1)
    if (last && last.role === role) last.content.push(...blocks)
    else out.push({ role, content: blocks })
  }
  messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = contentText(m.content)
        if (text !== '') system.push(text)
        break
      }
      case 'user':
        push('user', userBlocks(m.content, `messages[${i}].content`))
        break
      case 'assistant': {
        const blocks: AnthropicBlock[] = []
        const text = contentText(m.content)
        if (text !== '') blocks.push({ type: 'text', text })
        ;(m.tool_calls ?? []).forEach((c, j) => {
          blocks.push({ type: 'tool_use', id: c.id, name: c.function.name, input: parseToolArguments(c.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) })
        })
        push('assistant', blocks)
        break
      }
      case 'tool': {
        const text = contentText(m.content)
        push('user', [text === '' ? { type: 'tool_result', tool_use_id: m.tool_call_id } : { type: 'tool_result', tool_use_id: m.tool_call_id, content: text }])
        break
      }
      case 'function':
        throw unsupported(P, 'the legacy `function` role is not supported; use tools and `tool` messages.', `messages[${i}].role`)
    }
  })
  return { system: system.length > 0 ? system.join('\n\n') : undefined, messages: out }
}

function userBlocks(content: string | ContentPart[], param: string): AnthropicBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  const blocks: AnthropicBlock[] = []
  content.forEach((part, j) => {
    switch (part.type) {
      case 'text':
        if (part.text !== '') blocks.push({ type: 'text', text: part.text })
        break
      case 'image_url': {
        const url = part.image_url.url
        const data = parseDataUrl(url)
        if (data) blocks.push({ type: 'image', source: { type: 'base64', media_type: data.mimeType, data: data.data } })
        else if (/^https?:\/\//i.test(url)) blocks.push({ type: 'image', source: { type: 'url', url } })
        else throw unsupported(P, 'image URLs must be http(s) or base64 data URLs.', `${param}[${j}].image_url.url`)
        break
      }
      case 'file': {
        const fileData = (part.file as { file_data?: unknown }).file_data
        const data = typeof fileData === 'string' ? parseDataUrl(fileData) : null
        if (!data || data.mimeType !== 'application/pdf') throw unsupported(P, 'only PDF files given inline as base64 data URLs (`file.file_data`) are supported.', `${param}[${j}].file`)
        blocks.push({ type: 'document', source: { type: 'base64', media_type: data.mimeType, data: data.data } })
        break
      }
      case 'input_audio':
        throw unsupported(P, 'audio input is not supported.', `${param}[${j}]`)
      case 'refusal':
        break
    }
  })
  return blocks
}
