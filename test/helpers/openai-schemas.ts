import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { packageRoot } from '../../src/paths.js'

/**
 * OpenAI's published response schemas (shared/reference/openai-openapi, extracted from openapi.yaml).
 * Falls back to a copy under test/fixtures when the shared folder is not beside the checkout.
 */
function loadSchemas(): { schemas: Record<string, object> } {
  for (const p of [join(packageRoot, '..', 'shared', 'reference', 'openai-openapi', 'openai-response-schemas.json'), join(packageRoot, 'test', 'fixtures', 'openai-response-schemas.json')]) {
    try {
      return JSON.parse(readFileSync(p, 'utf8'))
    } catch {
      // try the next place
    }
  }
  throw new Error('OpenAI response schemas not found')
}

/** OpenAPI's `nullable: true` as plain JSON Schema: `anyOf: [schema, {type: 'null'}]`. */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize)
  if (!node || typeof node !== 'object') return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) if (k !== 'nullable') out[k] = normalize(v)
  return (node as { nullable?: boolean }).nullable === true ? { anyOf: [out, { type: 'null' }] } : out
}

const doc = normalize(loadSchemas()) as { schemas: Record<string, object> }
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
ajv.addSchema({ $id: 'openai', components: { schemas: doc.schemas } })

export type OpenAIRoot = 'CreateChatCompletionResponse' | 'CreateChatCompletionStreamResponse' | 'CreateEmbeddingResponse' | 'ListModelsResponse' | 'Model' | 'ErrorResponse'

/** Null when `value` matches the named OpenAI schema, else the validation errors as text. */
export function openaiSchemaErrors(root: OpenAIRoot, value: unknown): string | null {
  const validate = ajv.getSchema(`openai#/components/schemas/${root}`)
  if (!validate) throw new Error(`no schema ${root}`)
  return validate(value) ? null : ajv.errorsText(validate.errors)
}
