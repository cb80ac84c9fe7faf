import { unsupported } from '../shared/message-parts.js'
import type { GeminiSchema } from './wire.js'

/**
 * JSON Schema (as OpenAI tools and response_format carry it) to the OpenAPI 3.0 subset Gemini's
 * `Schema` accepts. Three kinds of keyword:
 * - converted: `type` lists and `{type:'null'}` branches (-> `nullable`), `const` (-> one-value
 *   `enum`), `oneOf` (-> `anyOf`), local `$ref` into `$defs`/`definitions` (inlined), `allOf` of
 *   object schemas (merged);
 * - dropped, as they only annotate or loosen what Gemini checks anyway: see `dropped` below;
 * - refused: anything else (`not`, `if`/`then`/`else`, `patternProperties`, `prefixItems`,
 *   recursive or remote `$ref`, non-string `enum`, ...). The request fails with a 400 that lists
 *   every such keyword by its path, so nothing is silently lost.
 */
const kept = new Set(['format', 'title', 'description', 'nullable', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'minProperties', 'maxProperties', 'minimum', 'maximum', 'example', 'default', 'propertyOrdering'])
const dropped: ReadonlySet<string> = new Set(['$schema', '$id', '$comment', '$anchor', 'additionalProperties', 'unevaluatedProperties', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'uniqueItems', 'multipleOf', 'exclusiveMinimum', 'exclusiveMaximum', 'contentEncoding', 'contentMediaType', 'strict'])
const structural = new Set(['type', 'properties', 'required', 'items', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', '$ref', '$defs', 'definitions'])

const typeNames: Record<string, string> = { string: 'STRING', number: 'NUMBER', integer: 'INTEGER', boolean: 'BOOLEAN', array: 'ARRAY', object: 'OBJECT' }

type Json = Record<string, unknown>

class Converter {
  readonly problems: string[] = []
  constructor(private readonly root: Json) {}

  convert(node: unknown, path: string, refs: readonly string[] = []): GeminiSchema {
    if (node === true || node === undefined) return {}
    if (!node || typeof node !== 'object' || Array.isArray(node)) {
      this.problems.push(`${path || '(root)'} (not a schema object)`)
      return {}
    }
    let s = node as Json
    if (typeof s.$ref === 'string') {
      const target = this.resolve(s.$ref, path, refs)
      if (!target) return {}
      const { $ref: _r, ...rest } = s
      s = { ...target, ...rest }
      refs = [...refs, node === this.root ? '#' : (node as Json).$ref as string]
    }
    if (Array.isArray(s.allOf)) s = this.mergeAllOf(s, path)
    const out: GeminiSchema = {}
    const at = (k: string) => (path ? `${path}.${k}` : k)

    // type: a string, or a list with "null" folded into `nullable`
    const types = (Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type]) as unknown[]
    const nonNull = types.filter((x) => x !== 'null')
    if (types.includes('null')) out.nullable = true
    if (nonNull.length === 1) {
      const name = typeNames[String(nonNull[0])]
      if (name) out.type = name
      else this.problems.push(`${at('type')} (${String(nonNull[0])})`)
    } else if (nonNull.length > 1) {
      out.anyOf = nonNull.map((x) => this.convert({ ...s, type: x, nullable: undefined }, path, refs))
      return out
    }

    const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined
    if (Array.isArray(union)) {
      const branches = union.filter((b) => !(b && typeof b === 'object' && (b as Json).type === 'null' && Object.keys(b as Json).length === 1))
      if (branches.length < union.length) out.nullable = true
      const key = s.anyOf ? 'anyOf' : 'oneOf'
      const converted = branches.map((b, i) => this.convert(b, `${at(key)}[${i}]`, refs))
      if (converted.length === 1) Object.assign(out, converted[0])
      else out.anyOf = converted
    }

    if (s.const !== undefined) {
      if (typeof s.const === 'string') {
        out.enum = [s.const]
        out.type ??= 'STRING'
      } else this.problems.push(`${at('const')} (non-string value)`)
    }
    if (Array.isArray(s.enum)) {
      const values = s.enum.filter((v) => v !== null)
      if (values.every((v) => typeof v === 'string')) {
        out.enum = values
        out.type ??= 'STRING'
        if (values.length < s.enum.length) out.nullable = true
      } else this.problems.push(`${at('enum')} (non-string values)`)
    }
    if (s.properties && typeof s.properties === 'object') {
      const props: Record<string, GeminiSchema> = {}
      for (const [name, sub] of Object.entries(s.properties as Json)) props[name] = this.convert(sub, `${at('properties')}.${name}`, refs)
      out.properties = props
      out.type ??= 'OBJECT'
    }
    if (Array.isArray(s.required) && s.required.length > 0) out.required = s.required
    if (s.items !== undefined) {
      if (Array.isArray(s.items)) this.problems.push(`${at('items')} (tuple form)`)
      else out.items = this.convert(s.items, at('items'), refs)
      out.type ??= 'ARRAY'
    }

    for (const [k, v] of Object.entries(s)) {
      if (kept.has(k)) out[k] = v
      else if (!dropped.has(k) && !structural.has(k)) this.problems.push(at(k))
    }
    return out
  }

  private resolve(ref: string, path: string, seen: readonly string[]): Json | null {
    const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref)
    const where = path || '(root)'
    if (!m) {
      this.problems.push(`${where}.$ref (${ref}: only local #/$defs/... references can be inlined)`)
      return null
    }
    if (seen.includes(ref)) {
      this.problems.push(`${where}.$ref (${ref} is recursive)`)
      return null
    }
    const target = (this.root[m[1]!] as Json | undefined)?.[decodeURIComponent(m[2]!)]
    if (!target || typeof target !== 'object') {
      this.problems.push(`${where}.$ref (${ref} not found)`)
      return null
    }
    return target as Json
  }

  private mergeAllOf(s: Json, path: string): Json {
    const { allOf, ...rest } = s
    const merged: Json = { ...rest }
    for (const [i, part] of (allOf as unknown[]).entries()) {
      let p = part as Json
      if (p && typeof p.$ref === 'string') p = { ...(this.resolve(p.$ref, `${path}.allOf[${i}]`, []) ?? {}), ...p, $ref: undefined }
      if (!p || typeof p !== 'object' || (p.type !== undefined && p.type !== 'object') || p.anyOf || p.oneOf) {
        this.problems.push(`${path ? `${path}.` : ''}allOf[${i}] (only object schemas can be merged)`)
        continue
      }
      for (const [k, v] of Object.entries(p)) {
        if (v === undefined) continue
        if (k === 'properties') merged.properties = { ...(merged.properties as Json), ...(v as Json) }
        else if (k === 'required') merged.required = [...((merged.required as string[]) ?? []), ...(v as string[])]
        else merged[k] ??= v
      }
    }
    return merged
  }
}

/** Converts, or throws a 400 naming `param` and every keyword path Gemini cannot express. */
export function toGeminiSchema(schema: Record<string, unknown>, param: string): GeminiSchema {
  const c = new Converter(schema)
  const out = c.convert(schema, '')
  if (c.problems.length > 0) {
    throw unsupported('gemini', `'${param}' uses JSON Schema features Gemini cannot express: ${c.problems.join(', ')}.`, param)
  }
  return out
}
