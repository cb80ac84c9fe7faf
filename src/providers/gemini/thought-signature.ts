/**
 * Gemini 3 rejects a replayed function call without the `thoughtSignature` it came with. OpenAI
 * clients echo tool call ids verbatim, so the signature rides in the id (`<id>~sig~<signature>`)
 * and contents.ts puts it back on the functionCall part: no state in the gateway.
 */
const SIGNATURE_SEP = '~sig~'
export const toolCallId = (id: string, signature: string | undefined): string => (signature ? `${id}${SIGNATURE_SEP}${signature}` : id)
export function signatureOf(id: string): string | undefined {
  const at = id.indexOf(SIGNATURE_SEP)
  return at < 0 ? undefined : id.slice(at + SIGNATURE_SEP.length) || undefined
}

/** Google's documented placeholder for function calls whose signature is unknown (history from another model). */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator'
