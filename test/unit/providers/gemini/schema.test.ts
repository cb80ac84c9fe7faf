import t from 'tap'
import { GatewayError } from '../../../../src/errors/gateway-error.js'
import { toGeminiSchema } from '../../../../src/providers/gemini/schema.js'

const converted: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  ['types uppercased, descriptions and bounds kept',
    { type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 9, description: 'count' }, tags: { type: 'array', items: { type: 'string', maxLength: 5 }, minItems: 1 } }, required: ['n'] },
    { type: 'OBJECT', properties: { n: { type: 'INTEGER', minimum: 1, maximum: 9, description: 'count' }, tags: { type: 'ARRAY', items: { type: 'STRING', maxLength: 5 }, minItems: 1 } }, required: ['n'] }],
  ['type list with null -> nullable', { type: ['string', 'null'] }, { type: 'STRING', nullable: true }],
  ['anyOf with a null branch -> nullable', { anyOf: [{ type: 'number' }, { type: 'null' }] }, { type: 'NUMBER', nullable: true }],
  ['oneOf -> anyOf', { oneOf: [{ type: 'string' }, { type: 'integer' }] }, { anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }] }],
  ['several types -> anyOf', { type: ['string', 'integer'] }, { anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }] }],
  ['const -> one-value enum', { const: 'fixed' }, { type: 'STRING', enum: ['fixed'] }],
  ['string enum', { type: 'string', enum: ['a', 'b'] }, { type: 'STRING', enum: ['a', 'b'] }],
  ['annotations and loose constraints dropped', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false, properties: { x: { type: 'number', exclusiveMinimum: 0, multipleOf: 2, examples: [2] } } },
    { type: 'OBJECT', properties: { x: { type: 'NUMBER' } } }],
  ['local $ref inlined', { type: 'object', properties: { home: { $ref: '#/$defs/addr' }, work: { $ref: '#/definitions/addr2' } }, $defs: { addr: { type: 'object', properties: { city: { type: 'string' } } } }, definitions: { addr2: { type: 'string' } } },
    { type: 'OBJECT', properties: { home: { type: 'OBJECT', properties: { city: { type: 'STRING' } } }, work: { type: 'STRING' } } }],
  ['allOf of objects merged', { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'boolean' } }, required: ['b'] }] },
    { type: 'OBJECT', properties: { a: { type: 'STRING' }, b: { type: 'BOOLEAN' } }, required: ['a', 'b'] }],
]
for (const [name, input, expected] of converted) {
  t.test(name, async (t) => {
    t.same(JSON.parse(JSON.stringify(toGeminiSchema(input, 'p'))), expected)
  })
}

const refused: Array<[string, Record<string, unknown>, string[]]> = [
  ['not, patternProperties and tuples listed by path',
    { type: 'object', properties: { a: { not: { type: 'string' } }, b: { type: 'object', patternProperties: { '^x': { type: 'string' } } }, c: { type: 'array', prefixItems: [{ type: 'string' }] } } },
    ['properties.a.not', 'properties.b.patternProperties', 'properties.c.prefixItems']],
  ['recursive $ref', { $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } } } }, $ref: '#/$defs/node' }, ['properties.next.$ref (#/$defs/node is recursive)']],
  ['remote $ref', { type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } }, ['properties.a.$ref']],
  ['numeric enum', { type: 'object', properties: { level: { type: 'integer', enum: [1, 2, 3] } } }, ['properties.level.enum (non-string values)']],
  ['if/then/else', { type: 'object', if: { properties: {} }, then: {}, else: {} }, ['if', 'then', 'else']],
]
for (const [name, input, paths] of refused) {
  t.test(`refused: ${name}`, async (t) => {
    const err = (() => { try { toGeminiSchema(input, 'tools[0].function.parameters') } catch (e) { return e } })() as GatewayError
    t.ok(err instanceof GatewayError)
    t.equal(err.status, 400)
    t.equal(err.param, 'tools[0].function.parameters')
    t.ok(err.fallback, 'another target may serve the request')
    for (const p of paths) t.ok(err.message.includes(p), `message names ${p}: ${err.message}`)
  })
}
