/**
 * Test support shared by the providers' unit and integration tests: a browser-ish client with a
 * cookie jar over any `Request → Response` function, a tiny form reader, an in-memory chain wallet
 * and an in-memory provisioner. Never used by production code.
 */
import { createMemoryLogger, createSeededRng, createVirtualClock } from '@dolly/base'
import type { HttpServiceFactory } from './adapters/serve-provider.ts'
import type { HttpHandler } from './http.ts'
import { startApiProvider, type ApiProviderOptions } from './api/start-api-provider.ts'
import type { ProvidedHost, ProviderChain, ProviderProvisioner, RootPasswordChanger } from './ports.ts'
import { startProvider, type ProviderOptions } from './provider.ts'

/** A fetch-like function that does not follow redirects. */
export type Send = (request: Request) => Promise<Response>

/** A client with a cookie jar that follows redirects like a browser, exposing the final URL. */
export interface WebClient {
  get(
    url: string,
    headers?: Record<string, string>,
  ): Promise<{ url: string; status: number; body: string; headers: Headers }>
  post(
    url: string,
    fields: Record<string, string>,
  ): Promise<{ url: string; status: number; body: string; headers: Headers }>
  cookie(name: string): string | undefined
  setCookie(name: string, value: string): void
}

/** Creates a web client over `send`. */
export function createWebClient(send: Send): WebClient {
  const jar = new Map<string, string>()
  const go = async (url: string, init: RequestInit & { headers?: Record<string, string> }) => {
    let current = url
    let request: RequestInit & { headers?: Record<string, string> } = init
    for (let hop = 0; hop < 10; hop++) {
      const cookieHeader = [...jar].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ')
      const response = await send(
        new Request(current, {
          ...request,
          headers: { ...(request.headers ?? {}), ...(cookieHeader === '' ? {} : { cookie: cookieHeader }) },
        }),
      )
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';')
        const eq = pair?.indexOf('=') ?? -1
        if (pair !== undefined && eq > 0)
          jar.set(pair.slice(0, eq).trim(), decodeURIComponent(pair.slice(eq + 1)))
      }
      const location = response.headers.get('location')
      if (response.status >= 300 && response.status < 400 && location !== null) {
        current = new URL(location, current).toString()
        request = { method: 'GET' }
        continue
      }
      return { url: current, status: response.status, body: await response.text(), headers: response.headers }
    }
    throw new Error(`too many redirects from ${url}`)
  }
  return {
    get: (url, headers = {}) => go(url, { method: 'GET', headers }),
    post: (url, fields) =>
      go(url, {
        method: 'POST',
        body: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    cookie: (name) => jar.get(name),
    setCookie: (name, value) => jar.set(name, value),
  }
}

/** A form found in a page: its action, method and the values of its successful controls. */
export interface FoundForm {
  readonly action: string
  readonly method: string
  readonly fields: Record<string, string>
}

const attr = (tag: string, name: string): string | undefined => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)
  return m?.[1]?.replaceAll('&amp;', '&')
}

/** Reads the `index`-th form matching `id` (or any form when `id` is undefined). */
export function findForm(page: string, id?: string, index = 0): FoundForm | undefined {
  const forms = [...page.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)].map((m) => m[0])
  const form =
    id === undefined ? forms[index] : forms.find((f) => attr(f.slice(0, f.indexOf('>') + 1), 'id') === id)
  if (form === undefined) return undefined
  const open = form.slice(0, form.indexOf('>') + 1)
  const fields: Record<string, string> = {}
  for (const m of form.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(m[0], 'name')
    const type = (attr(m[0], 'type') ?? 'text').toLowerCase()
    if (name === undefined || type === 'submit' || type === 'image' || type === 'button') continue
    if ((type === 'radio' || type === 'checkbox') && !/\schecked/i.test(m[0])) continue
    fields[name] = attr(m[0], 'value') ?? ''
  }
  for (const m of form.matchAll(/<select\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/gi)) {
    const options = [...(m[2] ?? '').matchAll(/<option\b[^>]*value="([^"]*)"[^>]*>/gi)]
    const selected = options.find((o) => /selected/i.test(o[0])) ?? options[0]
    if (m[1] !== undefined && selected?.[1] !== undefined) fields[m[1]] = selected[1]
  }
  return { action: attr(open, 'action') ?? '', method: (attr(open, 'method') ?? 'get').toLowerCase(), fields }
}

/** Routes requests to in-process handlers by origin, for tests without sockets; `peer` is the caller's IP. */
export function createRouter(): {
  send: Send
  add(origin: string, handler: HttpHandler): void
  peer: { ip: string }
} {
  const peer = { ip: '10.1.2.3' }
  const handlers = new Map<string, HttpHandler>()
  return {
    peer,
    add: (origin, handler) => handlers.set(origin, handler),
    send: async (request) => {
      const handler = handlers.get(new URL(request.url).origin)
      if (handler === undefined) return new Response('no such origin', { status: 502 })
      return handler(request, { remoteAddress: peer.ip })
    },
  }
}

/** An in-memory stand-in for the chain node's wallet RPCs; `pay` records a payment with confirmations. */
export interface MemoryChain extends ProviderChain {
  pay(address: string, sats: bigint): void
  mine(blocks: number): void
  addresses(): readonly string[]
}

/** Creates the in-memory chain. */
export function createMemoryChain(): MemoryChain {
  const wallets = new Set<string>()
  const payments: { address: string; sats: bigint; height: number | null }[] = []
  const addresses: string[] = []
  let height = 200
  return {
    async rpc<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      switch (method) {
        case 'listwallets':
          return [...wallets] as T
        case 'createwallet':
          wallets.add(String(params[0]))
          return { name: params[0] } as T
        case 'getnewaddress': {
          const address = `rltc1qmem${String(addresses.length).padStart(30, '0')}`
          addresses.push(address)
          return address as T
        }
        case 'getreceivedbyaddress': {
          const minConf = Number(params[1] ?? 1)
          const sats = payments
            .filter(
              (p) =>
                p.address === params[0] &&
                (minConf === 0 || (p.height !== null && height - p.height + 1 >= minConf)),
            )
            .reduce((sum, p) => sum + p.sats, 0n)
          return (Number(sats) / 1e8) as T
        }
        case 'getaddressinfo': {
          // A P2WPKH-shaped script whose program is derived from the address text.
          const program = Buffer.from(String(params[0]).slice(-20).padStart(20, '0')).toString('hex')
          return { scriptPubKey: `0014${program}` } as T
        }
        default:
          throw new Error(`memory chain: unsupported ${method}`)
      }
    },
    pay: (address, sats) => {
      payments.push({ address, sats, height: null })
    },
    mine: (blocks) => {
      for (const p of payments) if (p.height === null) p.height = height + 1
      height += blocks
    },
    addresses: () => addresses,
  }
}

/** An in-memory provisioner: hosts get IPs 10.99.0.N; `live()` lists the ones not destroyed. */
export function createMemoryProvisioner(): ProviderProvisioner & {
  live(): readonly { id: string; ip: string; hostname: string; rootPassword: string }[]
} {
  const live = new Map<string, { id: string; ip: string; hostname: string; rootPassword: string }>()
  let n = 2
  return {
    async create(spec) {
      const id = `host${n}`
      const ip = `10.99.0.${n++}`
      live.set(id, { id, ip, hostname: spec.hostname, rootPassword: spec.rootPassword })
      const host: ProvidedHost = {
        id,
        ip,
        destroy: async () => {
          live.delete(id)
        },
      }
      return host
    },
    live: () => [...live.values()],
  }
}

/** A provider started in-process (no sockets) on a virtual clock with memory chain and provisioner. */
export async function startInProcessProvider(options: Partial<ProviderOptions> & { name: string }) {
  const clock = createVirtualClock(1_700_000_000_000)
  const chain = createMemoryChain()
  const provisioner = createMemoryProvisioner()
  const router = createRouter()
  let port = 8000
  const serve: HttpServiceFactory = async (services) =>
    services.map((s) => {
      const url = `http://${options.name}.test:${port++}`
      router.add(url, s.handler)
      return { url, port, close: async () => {} }
    })
  const log = createMemoryLogger(() => clock.nowMs())
  const hostAccess = createMemoryHostAccess()
  const provider = await startProvider(
    { chain, provisioner, clock, log, rng: createSeededRng(options.name), serve, passwords: hostAccess },
    { host: '127.0.0.1', provisioningDelayMs: 10 * 60_000, ...options },
  )
  return { clock, chain, provisioner, provider, log, router, hostAccess, web: createWebClient(router.send) }
}

/** Records root actions instead of doing them over SSH. */
export function createMemoryHostAccess(): RootPasswordChanger & {
  keys: Map<string, string[]>
  passwords: Map<string, string>
} {
  const keys = new Map<string, string[]>()
  const passwords = new Map<string, string>()
  return {
    keys,
    passwords,
    async setRootPassword(ip, _current, next) {
      passwords.set(ip, next)
    },
    async authorizeKey(ip, _pw, key) {
      keys.set(ip, [...(keys.get(ip) ?? []), key])
    },
  }
}

/** An API provider started in-process on a virtual clock. */
export async function startInProcessApiProvider(options: Omit<ApiProviderOptions, 'host'>) {
  const clock = createVirtualClock(1_700_000_000_000)
  const chain = createMemoryChain()
  const provisioner = createMemoryProvisioner()
  const hostAccess = createMemoryHostAccess()
  const router = createRouter()
  const serve: HttpServiceFactory = async (services) =>
    services.map((s, i) => {
      const url = `http://${options.kind}.test:${9000 + i}`
      router.add(url, s.handler)
      return { url, port: 9000 + i, close: async () => {} }
    })
  const log = createMemoryLogger(() => clock.nowMs())
  const provider = await startApiProvider(
    { chain, provisioner, clock, log, rng: createSeededRng(options.kind), serve, passwords: hostAccess },
    { host: '127.0.0.1', ...options },
  )
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await router.send(
      new Request(`${provider.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    )
    const text = await response.text()
    return {
      status: response.status,
      body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>),
    }
  }
  return { clock, chain, provisioner, hostAccess, provider, log, call }
}
