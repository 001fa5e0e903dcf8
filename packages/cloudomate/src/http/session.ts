/**
 * A browser-like HTTP session (CLOUDOMATE.md §1 `HttpSession`): a cookie jar kept across every hop
 * of a redirect chain, the final URL of each page, one desktop User-Agent per session, polite pacing,
 * and bounded retries of idempotent requests on transient failures (§15.8).
 */
import type { AbortOptions, Clock, Rng } from '@dolly/base'
import { CookieJar } from 'tough-cookie'
import { CloudomateError } from '../errors.ts'

/** Sends one request without following redirects (adapter: fetch with `redirect: 'manual'`). */
export type HttpSend = (request: Request, options?: AbortOptions) => Promise<Response>

/** A fetched page after redirects. */
export interface Page {
  /** The final URL, after every redirect. */
  readonly url: string
  readonly status: number
  readonly body: string
  readonly headers: Headers
}

/** Per-request options. */
export interface RequestOptions extends AbortOptions {
  readonly headers?: Readonly<Record<string, string>>
}

/** A session with its own cookie jar. */
export interface HttpSession {
  readonly userAgent: string
  get(url: string, options?: RequestOptions): Promise<Page>
  /** POSTs an `application/x-www-form-urlencoded` body (entries keep their order, as a browser's do). */
  postForm(
    url: string,
    fields: readonly (readonly [string, string])[],
    options?: RequestOptions,
  ): Promise<Page>
  /** Sends JSON (APIs); not retried unless the method is idempotent. */
  json(method: string, url: string, body: unknown, options?: RequestOptions): Promise<Page>
  /** Sets a cookie as a page's script would (`document.cookie`). */
  setCookie(name: string, value: string, url: string): Promise<void>
  cookie(name: string, url: string): Promise<string | undefined>
}

/** Desktop browsers' User-Agent strings; one is drawn per session (CLOUDOMATE.md §1). */
export const DESKTOP_USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
]

/** Most redirects followed for one request, as browsers cap them (Chrome: 20). */
export const MAX_REDIRECTS = 20
/** Attempts of an idempotent request on 5xx, 429 or a network error (CLOUDOMATE.md §15.8: at most 5). */
export const MAX_ATTEMPTS = 5
/** First retry delay; doubles each attempt. */
export const RETRY_BASE_MS = 1_000
/** Default gap between two requests of one session: polite to small shops. */
export const DEFAULT_MIN_INTERVAL_MS = 250

/** Options of a session. */
export interface HttpSessionOptions {
  /** Minimum ms between two requests (0 in tests against local servers). */
  readonly minIntervalMs?: number
  readonly userAgent?: string
}

/** Creates a session over `send`. */
export function createHttpSession(
  deps: { send: HttpSend; clock: Clock; rng: Rng },
  options: HttpSessionOptions = {},
): HttpSession {
  const jar = new CookieJar()
  const userAgent = options.userAgent ?? DESKTOP_USER_AGENTS[deps.rng.int(DESKTOP_USER_AGENTS.length)] ?? ''
  const minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS
  let lastRequestMs = Number.NEGATIVE_INFINITY

  const pace = async (signal: AbortSignal | undefined): Promise<void> => {
    const wait = lastRequestMs + minIntervalMs - deps.clock.nowMs()
    if (wait > 0) await deps.clock.sleep(wait, signal === undefined ? {} : { signal })
    lastRequestMs = deps.clock.nowMs()
  }

  const once = async (
    method: string,
    url: string,
    body: string | undefined,
    contentType: string | undefined,
    options: RequestOptions,
  ): Promise<Page> => {
    let current = url
    let currentMethod = method
    let currentBody = body
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      await pace(options.signal)
      const headers: Record<string, string> = {
        'user-agent': userAgent,
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        'accept-language': 'en-US,en;q=0.8',
        ...(options.headers ?? {}),
      }
      const cookie = await jar.getCookieString(current)
      if (cookie !== '') headers['cookie'] = cookie
      if (currentBody !== undefined && contentType !== undefined) headers['content-type'] = contentType
      let response: Response
      try {
        response = await deps.send(
          new Request(current, {
            method: currentMethod,
            headers,
            ...(currentBody === undefined ? {} : { body: currentBody }),
          }),
          options.signal === undefined ? {} : { signal: options.signal },
        )
      } catch (err) {
        throw new CloudomateError(
          'CLOUDOMATE_HTTP_FAILED',
          `${currentMethod} ${current} failed: ${err instanceof Error ? err.message : String(err)}`,
          { url: current, transient: true },
          { cause: err },
        )
      }
      // Cookies are stored at every hop: WHMCS sets its session cookie on the redirect itself.
      for (const line of response.headers.getSetCookie()) {
        await jar.setCookie(line, current, { ignoreError: true })
      }
      const location = response.headers.get('location')
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel()
        current = new URL(location, current).toString()
        // 307/308 keep the method and body; 301/302/303 turn into GET, as browsers do.
        if (response.status !== 307 && response.status !== 308) {
          currentMethod = 'GET'
          currentBody = undefined
        }
        continue
      }
      return { url: current, status: response.status, body: await response.text(), headers: response.headers }
    }
    throw new CloudomateError('CLOUDOMATE_HTTP_FAILED', `more than ${MAX_REDIRECTS} redirects from ${url}`, {
      url,
    })
  }

  const withRetries = async (
    idempotent: boolean,
    run: () => Promise<Page>,
    signal: AbortSignal | undefined,
  ): Promise<Page> => {
    for (let attempt = 1; ; attempt++) {
      let page: Page | undefined
      let failure: unknown
      try {
        page = await run()
      } catch (err) {
        failure = err
      }
      const transient = page === undefined ? isTransient(failure) : page.status >= 500 || page.status === 429
      if (!transient || !idempotent || attempt >= MAX_ATTEMPTS) {
        if (page !== undefined) return page
        throw failure
      }
      const retryAfterS = Number(page?.headers.get('retry-after') ?? Number.NaN)
      const delayMs = Number.isFinite(retryAfterS) ? retryAfterS * 1000 : RETRY_BASE_MS * 2 ** (attempt - 1)
      await deps.clock.sleep(delayMs, signal === undefined ? {} : { signal })
    }
  }

  return {
    userAgent,
    get: (url, options = {}) =>
      withRetries(true, () => once('GET', url, undefined, undefined, options), options.signal),
    postForm: (url, fields, options = {}) =>
      // Single attempt: a POST may have placed an order even if the reply was lost.
      once(
        'POST',
        url,
        new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString(),
        'application/x-www-form-urlencoded',
        options,
      ),
    json: (method, url, body, options = {}) => {
      const headers = { accept: 'application/json', ...(options.headers ?? {}) }
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const idempotent = method === 'GET' || method === 'DELETE'
      return withRetries(
        idempotent,
        () => once(method, url, payload, 'application/json', { ...options, headers }),
        options.signal,
      )
    },
    setCookie: async (name, value, url) => {
      await jar.setCookie(`${name}=${value}; Path=/`, url)
    },
    cookie: async (name, url) => (await jar.getCookies(url)).find((c) => c.key === name)?.value,
  }
}

function isTransient(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'details' in err &&
    (err as { details: { transient?: unknown } }).details.transient === true
  )
}
