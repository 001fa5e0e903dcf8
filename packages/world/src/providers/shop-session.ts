/** WHMCS sessions (the `WHMCSxxxx` cookie) and the JavaScript/cookie challenge quirk. */
import { esc } from './html.ts'
import { readCookies, sessionCookie } from './http.ts'
import { randomAlnum, randomHex } from './random-text.ts'
import type { ShopContext } from './shop-context.ts'
import type { Session } from './store.ts'

/** Most sessions a shop keeps; agents keep their cookies, so only cookie-less clients churn through these. */
const MAX_SESSIONS = 10_000

/** The session of a request, creating one (and its Set-Cookie header) when the cookie is absent or stale. */
export function resolveSession(
  ctx: ShopContext,
  request: Request,
): { session: Session; setCookie: string | null } {
  const id = readCookies(request).get(ctx.config.cookieName)
  const existing = id === undefined ? undefined : ctx.store.sessions.get(id)
  if (existing !== undefined) return { session: existing, setCookie: null }
  const session: Session = {
    id: randomAlnum(ctx.rng, 26).toLowerCase(),
    token: randomHex(ctx.rng, 40),
    cart: [],
    clientId: null,
    lastOrderId: null,
  }
  ctx.store.sessions.set(session.id, session)
  // Bounded like PHP's session garbage collection: the oldest sessions go first (Map keeps insertion order).
  while (ctx.store.sessions.size > MAX_SESSIONS) {
    const oldest = ctx.store.sessions.keys().next()
    if (oldest.done === true) break
    ctx.store.sessions.delete(oldest.value)
  }
  return { session, setCookie: sessionCookie(ctx.config.cookieName, session.id) }
}

/** Name of the challenge cookie (BlueAngelHost's security service, thesis fig. 5.2). */
export const CHALLENGE_COOKIE = 'PRID'

/** True when the request must see the challenge page first. */
export function needsChallenge(ctx: ShopContext, request: Request): boolean {
  return (
    ctx.config.quirks.jsChallenge &&
    readCookies(request).get(CHALLENGE_COOKIE) !== ctx.settings.challengeValue
  )
}

/**
 * The challenge page: a browser runs the script, which builds the cookie from character codes and
 * reloads; a scraper must compute the same cookie (CLOUDOMATE.md §8).
 */
export function challengePage(ctx: ShopContext): string {
  const codes = [...ctx.settings.challengeValue].map((ch) => ch.charCodeAt(0)).join(',')
  return `<!DOCTYPE html><html><head><meta charset="utf-8" /><title>${esc(ctx.config.company)}</title>
<script type="text/javascript">var c = [${codes}]; var v = ''; for (var i = 0; i < c.length; i++) { v += String.fromCharCode(c[i]) }
document.cookie = '${CHALLENGE_COOKIE}=' + v + '; path=/'; window.location.reload(true);</script></head>
<body><noscript><h1>JavaScript Disabled</h1><p>This website is using a security service to protect itself from online attacks. You need to enable JavaScript and cookies to continue.</p></noscript>
<p>Checking your browser before accessing ${esc(ctx.config.company)}...</p></body></html>`
}
