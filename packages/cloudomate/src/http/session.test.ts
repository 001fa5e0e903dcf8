import { createSeededRng, createVirtualClock } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { createHttpSession, DESKTOP_USER_AGENTS, type HttpSend } from './session.ts'

/** A tiny in-process site: /login sets a cookie on a 302, /home needs it, /flaky fails twice. */
function site() {
  const seen: { url: string; method: string; cookie: string | null; ua: string | null; body: string }[] = []
  let flaky = 0
  const send: HttpSend = async (request) => {
    const url = new URL(request.url)
    seen.push({
      url: request.url,
      method: request.method,
      cookie: request.headers.get('cookie'),
      ua: request.headers.get('user-agent'),
      body: await request.text(),
    })
    if (url.pathname === '/login')
      return new Response(null, {
        status: 302,
        headers: { location: '/step?x=1', 'set-cookie': 'SID=abc; Path=/; HttpOnly' },
      })
    if (url.pathname === '/step')
      return new Response(null, {
        status: 303,
        headers: { location: 'http://site.test/home', 'set-cookie': 'STEP=2; Path=/' },
      })
    if (url.pathname === '/home') return new Response(`cookie=${request.headers.get('cookie') ?? ''}`)
    if (url.pathname === '/flaky')
      return ++flaky <= 2 ? new Response('busy', { status: 503 }) : new Response('ok')
    if (url.pathname === '/loop') return new Response(null, { status: 302, headers: { location: '/loop' } })
    return new Response('not found', { status: 404 })
  }
  return { send, seen }
}

describe('HTTP session', () => {
  it('keeps cookies set on every redirect hop, turns POST into GET on 302/303, and knows the final URL', async () => {
    const { send, seen } = site()
    const clock = createVirtualClock(0)
    const session = createHttpSession({ send, clock, rng: createSeededRng('s') }, { minIntervalMs: 0 })
    const page = await session.postForm('http://site.test/login', [['user', 'a b']])
    expect(page.url).toBe('http://site.test/home')
    expect(page.body).toBe('cookie=SID=abc; STEP=2')
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET', 'GET'])
    expect(seen[0]?.body).toBe('user=a+b')
    expect(DESKTOP_USER_AGENTS).toContain(seen[0]?.ua)
    expect(new Set(seen.map((s) => s.ua)).size).toBe(1)
    expect(await session.cookie('SID', 'http://site.test/')).toBe('abc')
  })

  it('retries an idempotent GET on 5xx with backoff, at most 5 times', async () => {
    const { send, seen } = site()
    const clock = createVirtualClock(0)
    const session = createHttpSession({ send, clock, rng: createSeededRng('s') }, { minIntervalMs: 0 })
    let done = false
    const pending = session.get('http://site.test/flaky').finally(() => (done = true))
    for (let i = 0; i < 50 && !done; i++) {
      await new Promise((r) => setImmediate(r))
      await clock.runNext()
    }
    const page = await pending
    expect(page.body).toBe('ok')
    expect(seen.length).toBe(3)
  })

  it('stops a redirect loop with a typed error', async () => {
    const { send } = site()
    const session = createHttpSession(
      { send, clock: createVirtualClock(0), rng: createSeededRng('s') },
      { minIntervalMs: 0 },
    )
    await expect(session.get('http://site.test/loop')).rejects.toMatchObject({
      code: 'CLOUDOMATE_HTTP_FAILED',
    })
  })
})
