/** Small HTTP helpers over the web `Request`/`Response` types every world service handler uses. */

/** Who is calling: the TCP peer, which the fraud quirk and CoinPayments' per-IP limit key on. */
export interface Peer {
  readonly remoteAddress: string
}

/** A world HTTP service: a `Request → Response` function, testable without a socket (STYLE.md §2). */
export type HttpHandler = (request: Request, peer: Peer) => Promise<Response>

/** Reads an `application/x-www-form-urlencoded` body (or none) into a map; the last value of a name wins. */
export async function readForm(request: Request): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  if (request.method === 'GET' || request.method === 'HEAD') return out
  const type = request.headers.get('content-type') ?? ''
  if (type.includes('multipart/form-data')) {
    const data = await request.formData()
    for (const [k, v] of data.entries()) if (typeof v === 'string') out.set(k, v)
    return out
  }
  const params = new URLSearchParams(await request.text())
  for (const [k, v] of params) out.set(k, v)
  return out
}

/** Query parameters and form fields together, form fields winning (PHP's `$_REQUEST`). */
export async function readRequest(request: Request): Promise<{ url: URL; params: Map<string, string> }> {
  const url = new URL(request.url)
  const params = new Map<string, string>(url.searchParams)
  for (const [k, v] of await readForm(request)) params.set(k, v)
  return { url, params }
}

/** Parses the Cookie header. */
export function readCookies(request: Request): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0) out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()))
  }
  return out
}

/** An HTML page. */
export function html(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } })
}

/** A JSON reply (bigints must already be converted by the caller). */
export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  })
}

/** A 302 redirect to `location` (relative locations resolve against the request, as PHP sends them). */
export function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 302, headers: { location, ...headers } })
}

/** A `Set-Cookie` value for a session cookie. */
export function sessionCookie(name: string, value: string): string {
  return `${name}=${encodeURIComponent(value)}; path=/; HttpOnly`
}

/** Plain text (the WHMCS ajax answers). */
export function text(body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } })
}
