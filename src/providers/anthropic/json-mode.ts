import type { ResponseFormat } from '../../call/chat.js'
import type { AnthropicTool } from './wire.js'

/**
 * Anthropic has no response_format: JSON output is asked for with a tool the model is forced to
 * call, whose input is the answer. The name is reserved; the response mappers turn that tool's
 * input back into message content.
 */
const JSON_TOOL = 'switchyard_json_response'
/** Root schemas that are not objects are wrapped under `value` (tool input must be an object), with their own tool name. */
export const JSON_VALUE_TOOL = 'switchyard_json_value'
const WRAP_KEY = 'value'

export const isJsonTool = (name: string): boolean => name === JSON_TOOL || name === JSON_VALUE_TOOL

interface JsonMode {
  tool: AnthropicTool
  wrapped: boolean
}

export function jsonModeTool(format: ResponseFormat | undefined): JsonMode | null {
  if (!format || format.type === 'text') return null
  if (format.type === 'json_object') {
    return { wrapped: false, tool: { name: JSON_TOOL, description: 'Give your answer as a JSON object.', input_schema: { type: 'object' } } }
  }
  const schema = format.json_schema.schema ?? { type: 'object' }
  const wrapped = schema.type !== 'object'
  const description = `Give your answer as JSON matching the "${format.json_schema.name}" schema.${format.json_schema.description ? ` ${format.json_schema.description}` : ''}`
  return {
    wrapped,
    tool: { name: wrapped ? JSON_VALUE_TOOL : JSON_TOOL, description, input_schema: wrapped ? { type: 'object', properties: { [WRAP_KEY]: schema }, required: [WRAP_KEY] } : schema },
  }
}

/** The forced tool's input as the JSON text OpenAI clients expect in `content`. */
export function jsonToolContent(name: string, input: unknown): string {
  if (name === JSON_VALUE_TOOL) return JSON.stringify((input as Record<string, unknown> | null)?.[WRAP_KEY] ?? null)
  return JSON.stringify(input ?? {})
}
