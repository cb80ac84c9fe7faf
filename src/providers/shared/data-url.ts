/** A `data:<mime>;base64,<payload>` URL split into its parts; null when the URL is not a base64 data URL. */
export function parseDataUrl(url: string): { mimeType: string; data: string } | null {
  const m = /^data:([^;,]+)(?:;[^;,=]+=[^;,]+)*;base64,(.*)$/s.exec(url)
  return m ? { mimeType: m[1]!.toLowerCase(), data: m[2]! } : null
}

/** A best guess at an image's media type from its URL's extension. */
export function mimeFromUrl(url: string): string | undefined {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase()
  const types: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif', pdf: 'application/pdf' }
  return ext ? types[ext] : undefined
}
