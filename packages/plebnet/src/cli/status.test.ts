import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { AgentStatus } from '../daemon/status.ts'
import { fetchStatus } from '../daemon/adapters/status-client.ts'

const status: AgentStatus = {
  format: 'dolly-status',
  version: 1,
  publicKey: 'c'.repeat(64),
  tree: 'genesis.0',
  parentTree: 'genesis',
  parentPublicKey: 'd'.repeat(64),
  hostIp: '10.77.1.2',
  genome: null,
  testnet: false,
  exitNode: false,
  softwareVersion: '0.1.0',
  startedAtMs: 1000,
  heartbeatAtMs: 5000,
  heartbeats: 2,
}

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
})

/** A status API on a free loopback port answering with `handler`; its base URL. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('fetchStatus', () => {
  it('reads GET /status, sending the token as a bearer credential', async () => {
    const seen: { url?: string | undefined; auth?: string | undefined } = {}
    const url = await serve((req, res) => {
      seen.url = req.url
      seen.auth = req.headers.authorization
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status))
    })
    expect(await fetchStatus(url, { token: 'f'.repeat(64) })).toEqual(status)
    expect(seen).toEqual({ url: '/status', auth: `Bearer ${'f'.repeat(64)}` })
    expect(await fetchStatus(url)).toEqual(status)
    expect(seen.auth).toBeUndefined()
  })

  it('is undefined for a non-2xx answer, a body that is not JSON, or not a status document', async () => {
    const notFound = await serve((_req, res) => res.writeHead(404).end(JSON.stringify(status)))
    expect(await fetchStatus(notFound)).toBeUndefined()
    const garbage = await serve((_req, res) => res.writeHead(200).end('{"format":'))
    expect(await fetchStatus(garbage)).toBeUndefined()
    const other = await serve((_req, res) =>
      res.writeHead(200).end(JSON.stringify({ ...status, version: 99 })),
    )
    expect(await fetchStatus(other)).toBeUndefined()
  })

  it('is undefined when nothing listens, and gives up after timeoutMs on an API that never answers', async () => {
    const closed = await serve(() => undefined)
    const server = servers.pop()
    await new Promise((r) => server?.close(r))
    expect(await fetchStatus(closed)).toBeUndefined()

    const hanging = await serve(() => undefined)
    const started = Date.now()
    expect(await fetchStatus(hanging, { timeoutMs: 300 })).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(3_000)

    const slowBody = await serve((_req, res) => res.writeHead(200).write('{"format":'))
    const aborted = new AbortController()
    setTimeout(() => aborted.abort(new Error('stop')), 200)
    expect(await fetchStatus(slowBody, { signal: aborted.signal })).toBeUndefined()
  })
})

describe('renderStatus', () => {
  it('shows the tunnels line of a full status when the component runs', async () => {
    const { renderStatus } = await import('./status-run.ts')
    expect(renderStatus(status, 6000)).not.toContain('tunnels:')
    const text = renderStatus(
      {
        ...status,
        tunnels: {
          relay: true,
          exit: true,
          hopsKnown: 4,
          circuits: { relayedNow: 1, exitedNow: 2, relayedTotal: 3, exitedTotal: 5 },
          bytesUp: '100',
          bytesDown: '200',
          exitBytesOut: '10',
          exitBytesIn: '20',
          framesDropped: 0,
        },
      },
      6000,
    )
    expect(text).toContain(
      'tunnels: relay and exit, 4 hops known; circuits relayed 1 now (3 total), exited 2 now (5 total); bytes up 100, down 200',
    )
    expect(text).not.toContain('tokens')
  })

  it("shows the IRC bot's line: in the channel, joining, or held stopped by the operator", async () => {
    const { renderStatus } = await import('./status-run.ts')
    expect(renderStatus(status, 6000)).not.toContain('irc:')
    const irc = {
      server: '10.77.3.1:6667',
      channel: '#plebnet123',
      nick: 'plebbot4521',
      running: true,
      connected: true,
      joined: true,
      sessions: 1,
      commandsAnswered: 14,
      commandsDropped: 2,
      linesDropped: 0,
    }
    expect(renderStatus({ ...status, irc }, 6000)).toContain(
      'irc: plebbot4521 on 10.77.3.1:6667 #plebnet123: in the channel; 1 session(s), 14 command(s) answered, 2 dropped',
    )
    expect(renderStatus({ ...status, irc: { ...irc, joined: false } }, 6000)).toContain(
      ': connected, joining;',
    )
    expect(
      renderStatus({ ...status, irc: { ...irc, running: false, connected: false, joined: false } }, 6000),
    ).toContain(': stopped by the operator (plebnet irc start);')
  })

  it('shows the token line when the node runs tunnel payments', async () => {
    const { renderStatus } = await import('./status-run.ts')
    const text = renderStatus(
      {
        ...status,
        tunnels: {
          relay: true,
          exit: false,
          hopsKnown: 4,
          circuits: { relayedNow: 0, exitedNow: 0, relayedTotal: 1, exitedTotal: 0 },
          bytesUp: '100',
          bytesDown: '200',
          exitBytesOut: '0',
          exitBytesIn: '0',
          framesDropped: 0,
          payments: {
            rule: 'fair',
            paid: '0',
            received: String(3 * 2 ** 20),
            earned: String(2 ** 20 + 2 ** 19),
            balance: String(-(2 ** 19)),
            cutUnpaid: 2,
            refused: 0,
          },
        },
      },
      6000,
    )
    expect(text).toContain(
      'tokens (fair rule): earned 1.50 MB (received 3.00 MB), paid 0.00 MB; ledger balance -0.50 MB; 2 circuit(s) cut unpaid',
    )
    expect(text).not.toContain('settled')
  })

  it('says whether tunnel payments settled', async () => {
    const { renderStatus } = await import('./status-run.ts')
    const render = (unsettled: {
      ownBytes: string
      forwardTokens: string
      inFlight: number
      abandoned: number
    }): string =>
      renderStatus(
        {
          ...status,
          tunnels: {
            relay: true,
            exit: false,
            hopsKnown: 4,
            circuits: { relayedNow: 0, exitedNow: 0, relayedTotal: 1, exitedTotal: 0 },
            bytesUp: '100',
            bytesDown: '200',
            exitBytesOut: '0',
            exitBytesIn: '0',
            framesDropped: 0,
            payments: {
              rule: 'fair',
              paid: '0',
              received: '0',
              earned: '0',
              balance: '0',
              cutUnpaid: 0,
              refused: 0,
              unsettled,
            },
          },
        },
        6000,
      )
    expect(render({ ownBytes: '0', forwardTokens: '0', inFlight: 0, abandoned: 0 })).toContain(
      '0 circuit(s) cut unpaid; payments settled',
    )
    expect(render({ ownBytes: '12', forwardTokens: String(2 ** 20), inFlight: 1, abandoned: 0 })).toContain(
      '; unsettled: 12 own bytes unpaid, 1.00 MB to forward, 1 payment(s) in flight, 0 given up',
    )
  })
})
