import type { ChatMessage, ContentPart } from '../../call/chat.js'
import { mimeFromUrl, parseDataUrl } from '../shared/data-url.js'
import { contentText, parseToolArguments, toolNamesById, unsupported } from '../shared/message-parts.js'
import { signatureOf, SKIP_SIGNATURE } from './thought-signature.js'
import type { GeminiContent, GeminiPart } from './wire.js'

const P = 'gemini'

/**
 * OpenAI messages to Gemini `systemInstruction` + `contents`: assistant turns have role `model`,
 * tool results become `functionResponse` parts of a user turn (named after the assistant tool call
 * they answer), and consecutive turns of one role are merged.
 */
export function toGeminiContents(messages: readonly ChatMessage[], opts: { requireSignatures?: boolean } = {}): { system: string | undefined; contents: GeminiContent[] } {
  const system: string[] = []
  const contents: GeminiContent[] = []
  const names = toolNamesById(messages)
  const push = (role: GeminiContent['role'], parts: GeminiPart[]) => {
    if (parts.length === 0) return
    const last = contents.at(-1)
    if (last && last.role === role) last.parts.push(...parts)
    else contents.push({ role, parts })
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
        push('user', userParts(m.content, `messages[${i}].content`))
        break
      case 'assistant': {
        const parts: GeminiPart[] = []
        const text = contentText(m.content)
        if (text !== '') parts.push({ text })
        ;(m.tool_calls ?? []).forEach((c, j) => {
          const part: GeminiPart = { functionCall: { name: c.function.name, args: parseToolArguments(c.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) } }
          const signature = signatureOf(c.id) ?? (c as { extra_content?: { google?: { thought_signature?: unknown } } }).extra_content?.google?.thought_signature
          if (typeof signature === 'string' && signature !== '') part.thoughtSignature = signature
          parts.push(part)
        })
        // Gemini 3 wants a signature on the first call of each step; calls made by another model have none
        const firstCall = parts.find((p) => p.functionCall)
        if (opts.requireSignatures && firstCall && !parts.some((p) => p.thoughtSignature)) firstCall.thoughtSignature = SKIP_SIGNATURE
        push('model', parts)
        break
      }
      case 'tool': {
        const name = names.get(m.tool_call_id)
        if (!name) throw unsupported(P, `no assistant tool call has the id "${m.tool_call_id}"; Gemini needs the function name for a tool result.`, `messages[${i}].tool_call_id`)
        push('user', [{ functionResponse: { name, response: functionResponse(contentText(m.content)) } }])
        break
      }
      case 'function':
        push('user', [{ functionResponse: { name: m.name, response: functionResponse(m.content ?? '') } }])
        break
    }
  })
  return { system: system.length > 0 ? system.join('\n\n') : undefined, contents }
}

/** A tool message's content as the object Gemini wants: a JSON object as is, anything else under `output`. */
function functionResponse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
    return { output: value }
  } catch {
    return { output: text }
  }
}

function userParts(content: string | ContentPart[], param: string): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }]
  const parts: GeminiPart[] = []
  content.forEach((part, j) => {
    switch (part.type) {
      case 'text':
        if (part.text !== '') parts.push({ text: part.text })
        break
      case 'image_url': {
        const url = part.image_url.url
        const data = parseDataUrl(url)
        if (data) parts.push({ inlineData: { mimeType: data.mimeType, data: data.data } })
        else if (/^https?:\/\//i.test(url)) parts.push({ fileData: { mimeType: mimeFromUrl(url) ?? 'image/jpeg', fileUri: url } })
        else throw unsupported(P, 'image URLs must be http(s) or base64 data URLs.', `${param}[${j}].image_url.url`)
        break
      }
      case 'input_audio': {
        const a = part.input_audio
        parts.push({ inlineData: { mimeType: `audio/${a.format}`, data: a.data } })
        break
      }
      case 'file': {
        const fileData = (part.file as { file_data?: unknown }).file_data
        const data = typeof fileData === 'string' ? parseDataUrl(fileData) : null
        if (!data) throw unsupported(P, 'files must be given inline as base64 data URLs (`file.file_data`).', `${param}[${j}].file`)
        parts.push({ inlineData: { mimeType: data.mimeType, data: data.data } })
        break
      }
      case 'refusal':
        break
    }
  })
  return parts
}
