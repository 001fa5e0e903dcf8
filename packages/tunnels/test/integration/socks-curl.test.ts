import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRealExitPolicy, createWorldExitPolicy } from '@dolly/tunnels'
import { socksConnectReply, startLoopbackNetwork, type LoopbackNetwork } from './network.ts'

/**
 * Issue 16's entry tests against real sockets: `curl --socks5-hostname` through 1-hop and 3-hop
 * circuits of in-process relays over loopback TCP to a loopback HTTP server (allowed by a test-only
 * world-mode policy whose content network is 127.0.0.1/32), UDP ASSOCIATE to a loopback echo, and a
 * real-mode exit refusing private targets with SOCKS reply 0x02.
 */

const run = promisify(execFile)
const BLOB_BYTES = 20 * 1024 * 1024

describe('SOCKS5 entry through circuits (loopback)', () => {
  let http: Server
  let httpPort = 0
  const blob = randomBytes(BLOB_BYTES)
  const blobSha = createHash('sha256').update(blob).digest('hex')
  let net: LoopbackNetwork
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tunnels-'))
    http = createServer((req, res) => {
      res.writeHead(200, { 'content-length': String(BLOB_BYTES), 'content-type': 'application/octet-stream' })
      res.end(blob)
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()))
    const a = http.address()
    httpPort = a !== null && typeof a === 'object' ? a.port : 0
    net = await startLoopbackNetwork(createWorldExitPolicy(['127.0.0.1/32']))
  })

  afterAll(async () => {
    await net?.stop()
    await new Promise<void>((resolve) => http?.close(() => resolve()))
    rmSync(dir, { recursive: true, force: true })
  })

  for (const hops of [1, 3]) {
    it(`downloads 20 MB with curl --socks5-hostname through ${hops} hop(s), SHA-256 intact`, async () => {
      const out = join(dir, `blob-${hops}`)
      const port = net.socksPorts.get(hops) ?? 0
      await run('curl', [
        '-sS',
        '--fail',
        '--max-time',
        '60',
        '--socks5-hostname',
        `127.0.0.1:${port}`,
        '-o',
        out,
        `http://localhost:${httpPort}/blob`,
      ])
      const got = readFileSync(out)
      expect(got.length).toBe(BLOB_BYTES)
      expect(createHash('sha256').update(got).digest('hex')).toBe(blobSha)
      // The initiator's counters saw the download (what payments will be computed from).
      const down = net.client.circuits().filter((c) => c.role === 'initiator' && c.hops === hops)
      expect(down.reduce((s, c) => s + c.payloadBytesDown, 0n)).toBeGreaterThanOrEqual(BigInt(BLOB_BYTES))
    })
  }

  it('replaces a broken circuit without failing the next curl', async () => {
    const port = net.socksPorts.get(3) ?? 0
    const url = `http://localhost:${httpPort}/blob`
    const out = join(dir, 'blob-replaced')
    const stuck = await net.pool.circuitFor(3, `localhost:${httpPort}`)
    stuck.close()
    expect(stuck.isOpen()).toBe(false)
    await run('curl', [
      '-sS',
      '--fail',
      '--max-time',
      '60',
      '--socks5-hostname',
      `127.0.0.1:${port}`,
      '-o',
      out,
      url,
    ])
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(blobSha)
    expect((await net.pool.circuitFor(3, `localhost:${httpPort}`)) === stuck).toBe(false)
  })

  it('refuses a destination outside the content network with reply 0x02', async () => {
    const reply = await socksConnectReply(net.socksPorts.get(1) ?? 0, 1, Uint8Array.of(10, 0, 0, 1), 80)
    expect(reply).toBe(0x02)
  })

  it('relays UDP ASSOCIATE datagrams to a loopback echo byte-exact, through 1 and 3 hops', async () => {
    const echo = createSocket('udp4')
    echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address))
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', () => resolve()))
    const echoPort = echo.address().port
    try {
      for (const hops of [1, 3]) {
        const control = connect({ host: '127.0.0.1', port: net.socksPorts.get(hops) ?? 0 })
        const reply = await new Promise<Buffer>((resolve, reject) => {
          let buf = Buffer.alloc(0)
          control.on('error', reject)
          control.on('connect', () => control.write(Uint8Array.of(5, 1, 0)))
          control.on('data', (c: Buffer) => {
            buf = Buffer.concat([buf, c])
            if (buf.length === 2) control.write(Uint8Array.of(5, 3, 0, 1, 0, 0, 0, 0, 0, 0))
            if (buf.length >= 12) resolve(buf.subarray(2))
          })
        })
        expect(reply[1]).toBe(0)
        const relayPort = reply.readUInt16BE(8)
        const client = createSocket('udp4')
        await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', () => resolve()))
        const sent = [1, 100, 1400, 8000, 15_000].map((n, i) =>
          Buffer.concat([Uint8Array.of(i), randomBytes(n)]),
        )
        const received: Buffer[] = []
        const allBack = new Promise<void>((resolve) => {
          client.on('message', (msg) => {
            // RFC 1928 §7 header: RSV(2) FRAG(1) ATYP(1)=1 ADDR(4) PORT(2), then the data.
            expect(msg[3]).toBe(1)
            expect(msg.readUInt16BE(8)).toBe(echoPort)
            received.push(msg.subarray(10))
            if (received.length === sent.length) resolve()
          })
        })
        const header = Buffer.from([0, 0, 0, 1, 127, 0, 0, 1, echoPort >> 8, echoPort & 0xff])
        // The first datagram opens the circuit and the exit's socket; later ones follow in order.
        for (const d of sent) {
          client.send(Buffer.concat([header, d]), relayPort, '127.0.0.1')
          await new Promise((r) => setTimeout(r, 20))
        }
        await allBack
        const byTag = (xs: Buffer[]): string[] => xs.map((b) => b.toString('hex')).sort()
        expect(byTag(received)).toEqual(byTag(sent))
        client.close()
        control.destroy()
      }
    } finally {
      echo.close()
    }
  })
})

describe('real-mode exit policy at the SOCKS entry', () => {
  let net: LoopbackNetwork
  beforeAll(async () => {
    net = await startLoopbackNetwork(createRealExitPolicy({ tcpRules: ['accept *:*'] }))
  })
  afterAll(async () => {
    await net?.stop()
  })

  it.each([
    ['127.0.0.1', 1, [127, 0, 0, 1]],
    ['10.1.2.3', 1, [10, 1, 2, 3]],
    ['169.254.169.254', 1, [169, 254, 169, 254]],
    ['::1', 4, [...new Array<number>(15).fill(0), 1]],
  ] as const)('refuses CONNECT to %s with reply 0x02', async (_name, atyp, bytes) => {
    for (const hops of [1, 3]) {
      expect(await socksConnectReply(net.socksPorts.get(hops) ?? 0, atyp, Uint8Array.from(bytes), 80)).toBe(
        0x02,
      )
    }
  })

  it('answers bad SOCKS input with a reply or a close, and keeps serving', async () => {
    const port = net.socksPorts.get(1) ?? 0
    const exchange = (bytes: Uint8Array): Promise<Buffer> =>
      new Promise((resolve) => {
        const s = connect({ host: '127.0.0.1', port })
        let got = Buffer.alloc(0)
        s.on('connect', () => s.write(bytes))
        s.on('data', (c: Buffer) => (got = Buffer.concat([got, c])))
        s.on('error', () => undefined)
        s.on('close', () => resolve(got))
        setTimeout(() => s.destroy(), 2000)
      })
    // SOCKS4, no acceptable method, unknown command, unknown address type, an oversized handshake.
    expect((await exchange(Uint8Array.of(4, 1, 0, 80, 127, 0, 0, 1, 0))).length).toBe(0)
    expect([...(await exchange(Uint8Array.of(5, 1, 2)))]).toEqual([5, 0xff])
    expect([...(await exchange(Uint8Array.of(5, 1, 0, 5, 9, 0, 1, 1, 2, 3, 4, 0, 80)))].slice(0, 4)).toEqual([
      5, 0, 5, 7,
    ])
    expect([...(await exchange(Uint8Array.of(5, 1, 0, 5, 1, 0, 9, 1, 2, 3, 4, 0, 80)))].slice(0, 4)).toEqual([
      5, 0, 5, 8,
    ])
    expect(
      (await exchange(Buffer.concat([Uint8Array.of(5, 255), new Uint8Array(5000)]))).length,
    ).toBeLessThanOrEqual(2)
    expect(await socksConnectReply(port, 1, Uint8Array.of(10, 0, 0, 1), 80)).toBe(0x02)
  })

  it('refuses a name that resolves to loopback (DNS at the exit, policy on the address)', async () => {
    expect(await socksConnectReply(net.socksPorts.get(1) ?? 0, 3, Buffer.from('localhost'), 80)).toBe(0x02)
  })
})
