import type { ServerResponse } from 'node:http'
import { z } from 'zod'
import { sendJson, type FakeHandler, type ReceivedRequest } from './fake-upstream.js'
import { fixtureJson, fixtureText } from './fixtures.js'

/**
 * The checks the real Gemini API makes on a request, per its published REST reference: unknown
 * fields anywhere are rejected ("Unknown name"), each part holds exactly one kind of data, schemas
 * use only the OpenAPI subset `Schema` defines, and a function-response turn answers every call
 * of the model turn before it, by name.
 */
const schemaKeys = new Set(['type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum'])
const schemaTypes = new Set(['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL'])

function schemaProblem(s: unknown, path: string): string | null {
  if (!s || typeof s !== 'object' || Array.isArray(s)) return `${path}: not an object`
  for (const [k, v] of Object.entries(s)) {
    if (!schemaKeys.has(k)) return `Invalid JSON payload received. Unknown name "${k}" at '${path}': Cannot find field.`
    if (k === 'type' && !schemaTypes.has(String(v).toUpperCase())) return `${path}.type: invalid value ${String(v)}`
    if (k === 'properties') for (const [n, sub] of Object.entries(v as object)) { const p = schemaProblem(sub, `${path}.properties[${n}]`); if (p) return p }
    if (k === 'items') { const p = schemaProblem(v, `${path}.items`); if (p) return p }
    if (k === 'anyOf') for (const [i, sub] of (v as unknown[]).entries()) { const p = schemaProblem(sub, `${path}.any_of[${i}]`); if (p) return p }
    if (k === 'enum' && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) return `${path}.enum: values must be strings`
  }
  if ((s as { type?: string }).type?.toUpperCase() === 'OBJECT' && path.endsWith('.parameters') && Object.keys((s as { properties?: object }).properties ?? {}).length === 0) {
    return `${path}.properties: should be non-empty for OBJECT type`
  }
  return null
}

const part = z.strictObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  inlineData: z.strictObject({ mimeType: z.string(), data: z.string() }).optional(),
  fileData: z.strictObject({ mimeType: z.string().optional(), fileUri: z.string() }).optional(),
  functionCall: z.strictObject({ id: z.string().optional(), name: z.string(), args: z.record(z.string(), z.unknown()).optional() }).optional(),
  functionResponse: z.strictObject({ id: z.string().optional(), name: z.string(), response: z.record(z.string(), z.unknown()) }).optional(),
}).refine((p) => ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse'].filter((k) => k in p).length === 1, 'a part must hold exactly one of text, inlineData, fileData, functionCall, functionResponse')
const content = z.strictObject({ role: z.enum(['user', 'model']).optional(), parts: z.array(part).min(1) })
export const geminiRequestSchema = z.strictObject({
  contents: z.array(content).min(1, 'contents is not specified'),
  systemInstruction: z.strictObject({ role: z.string().optional(), parts: z.array(z.strictObject({ text: z.string() })).min(1) }).optional(),
  tools: z.array(z.strictObject({ functionDeclarations: z.array(z.strictObject({ name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$/), description: z.string().optional(), parameters: z.unknown().optional() })) })).optional(),
  toolConfig: z.strictObject({ functionCallingConfig: z.strictObject({ mode: z.enum(['AUTO', 'ANY', 'NONE', 'VALIDATED']), allowedFunctionNames: z.array(z.string()).optional() }) }).optional(),
  generationConfig: z.strictObject({
    temperature: z.number().min(0).max(2).optional(), topP: z.number().optional(), topK: z.number().optional(), maxOutputTokens: z.number().int().optional(),
    stopSequences: z.array(z.string()).max(5).optional(), candidateCount: z.number().int().min(1).max(8).optional(), presencePenalty: z.number().optional(),
    frequencyPenalty: z.number().optional(), seed: z.number().int().optional(), responseMimeType: z.enum(['text/plain', 'application/json', 'text/x.enum']).optional(),
    responseSchema: z.unknown().optional(), thinkingConfig: z.unknown().optional(),
  }).optional(),
  safetySettings: z.array(z.unknown()).optional(),
  cachedContent: z.string().optional(),
})
const embedContent = z.strictObject({ model: z.string().optional(), content: z.strictObject({ parts: z.array(z.strictObject({ text: z.string() })).min(1) }), taskType: z.string().optional(), title: z.string().optional(), outputDimensionality: z.number().int().optional() })
const batchEmbed = z.strictObject({ requests: z.array(embedContent.extend({ model: z.string().regex(/^models\//) })).min(1).max(100) })

function zodProblem(err: z.ZodError): string {
  const i = err.issues[0]!
  return i.code === 'unrecognized_keys' ? `Invalid JSON payload received. Unknown name "${i.keys[0]}" at '${i.path.join('.')}': Cannot find field.` : `* GenerateContentRequest.${i.path.join('.')}: ${i.message}`
}

/** Null when the real API would accept the request, else its error message. */
export function geminiRequestError(req: ReceivedRequest): string | null {
  if (!req.headers['x-goog-api-key']) return 'Method doesn\'t allow unregistered callers'
  const m = /^\/v1beta\/models\/([^/:?]+):(generateContent|streamGenerateContent\?alt=sse|embedContent|batchEmbedContents)$/.exec(req.url)
  if (req.method !== 'POST' || !m) return `unknown route ${req.method} ${req.url}`
  if (m[2] === 'embedContent' || m[2] === 'batchEmbedContents') {
    const parsed = (m[2] === 'embedContent' ? embedContent : batchEmbed).safeParse(req.body)
    return parsed.success ? null : zodProblem(parsed.error)
  }
  const parsed = geminiRequestSchema.safeParse(req.body)
  if (!parsed.success) return zodProblem(parsed.error)
  const b = parsed.data
  for (const [i, t] of (b.tools ?? []).entries()) {
    for (const [j, d] of t.functionDeclarations.entries()) {
      if (d.parameters !== undefined) { const p = schemaProblem(d.parameters, `tools[${i}].function_declarations[${j}].parameters`); if (p) return p }
    }
  }
  if (b.generationConfig?.responseSchema !== undefined) { const p = schemaProblem(b.generationConfig.responseSchema, 'generation_config.response_schema'); if (p) return p }
  for (let i = 0; i < b.contents.length; i++) {
    const responses = b.contents[i]!.parts.filter((p) => p.functionResponse).map((p) => p.functionResponse!.name)
    if (responses.length === 0) continue
    const calls = (b.contents[i - 1]?.role === 'model' ? b.contents[i - 1]!.parts : []).filter((p) => p.functionCall).map((p) => p.functionCall!.name)
    if (calls.length !== responses.length || calls.some((n, k) => n !== responses[k])) {
      return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.'
    }
  }
  return null
}

/** A fake Gemini API: validates, then answers with the fixture the model name picks (SSE bytes as they are, CRLF included). */
export function fakeGemini(pick: (model: string, method: string) => { status?: number; json?: string; sse?: string }): FakeHandler {
  return async (req, res: ServerResponse) => {
    const problem = geminiRequestError(req)
    if (problem) return sendJson(res, 400, { error: { code: 400, message: problem, status: 'INVALID_ARGUMENT' } })
    const [, model, method] = /^\/v1beta\/models\/([^/:?]+):([A-Za-z]+)/.exec(req.url)!
    const f = pick(model!, method!)
    if (f.sse) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      // odd-sized writes: CRLF pairs and events get split across reads
      const bytes = Buffer.from(fixtureText('gemini', f.sse), 'utf8')
      for (let i = 0; i < bytes.length; i += 37) {
        res.write(bytes.subarray(i, i + 37))
        await new Promise((r) => setImmediate(r))
      }
      res.end()
      return
    }
    sendJson(res, f.status ?? 200, fixtureJson('gemini', f.json!))
  }
}
