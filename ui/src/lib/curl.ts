/**
 * "Copy as curl": a shell command that repeats a request. Values are single-quoted for POSIX shells;
 * the API key stays an environment variable so it never lands in the clipboard.
 */

export interface CurlRequest {
  url: string
  method?: string
  headers?: Record<string, string>
  /** Sent as JSON (pretty-printed is not needed; one line keeps the command pasteable). */
  json?: unknown
  /** Adds -N so curl prints a stream as it arrives. */
  stream?: boolean
}

/** Quotes a value for a POSIX shell: 'it'\''s'. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/** The command, one option per line, joined with backslash continuations. */
export function buildCurl(req: CurlRequest): string {
  const parts: string[] = [`curl${req.stream ? ' -N' : ''} ${shellQuote(req.url)}`]
  const method = (req.method ?? (req.json === undefined ? 'GET' : 'POST')).toUpperCase()
  if (method !== 'GET' && !(method === 'POST' && req.json !== undefined)) parts.push(`-X ${method}`)
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    // "$VAR" stays expandable: only the authorization placeholder uses it
    parts.push(value.includes('$LLMLB_API_KEY') ? `-H "${name}: ${value}"` : `-H ${shellQuote(`${name}: ${value}`)}`)
  }
  if (req.json !== undefined) {
    if (!Object.keys(req.headers ?? {}).some((h) => h.toLowerCase() === 'content-type')) parts.push(`-H ${shellQuote('content-type: application/json')}`)
    parts.push(`-d ${shellQuote(JSON.stringify(req.json))}`)
  }
  return parts.join(' \\\n  ')
}

/** A chat completion request against this dashboard's origin, authorised with $LLMLB_API_KEY. */
export function chatCurl(origin: string, body: { stream?: boolean } & Record<string, unknown>): string {
  return buildCurl({
    url: `${origin.replace(/\/$/, '')}/v1/chat/completions`,
    headers: { authorization: 'Bearer $LLMLB_API_KEY', 'content-type': 'application/json' },
    json: body,
    stream: body.stream === true
  })
}
