/** A provider base URL split once into origin and path prefix (cached per base URL string). */
const cache = new Map<string, { origin: string; prefix: string; search: string }>()

export function splitBaseUrl(baseUrl: string): { origin: string; prefix: string; search: string } {
  let hit = cache.get(baseUrl)
  if (!hit) {
    const u = new URL(baseUrl)
    hit = { origin: u.origin, prefix: u.pathname.replace(/\/+$/, ''), search: u.search }
    cache.set(baseUrl, hit)
  }
  return hit
}

/** Joins a provider base URL and an endpoint path, keeping any query string of the base. */
export function endpoint(baseUrl: string, path: string, query?: Record<string, string>): { origin: string; path: string } {
  const { origin, prefix, search } = splitBaseUrl(baseUrl)
  if (search === '' && query === undefined) return { origin, path: `${prefix}${path}` }
  const params = new URLSearchParams(search)
  for (const [k, v] of Object.entries(query ?? {})) params.set(k, v)
  const qs = params.toString()
  return { origin, path: `${prefix}${path}${qs ? `?${qs}` : ''}` }
}
