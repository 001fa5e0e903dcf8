import { describe, expect, it } from 'vitest'
import { createCryptoRng, createNullLogger, generateIdentity } from '@dolly/base'
import {
  createLibp2pTunnelTransport,
  peerIdOfKey,
  startLibp2pHost,
  TUNNEL_MAX_FRAME_BYTES,
  type Libp2pHost,
  type Libp2pTunnelTransport,
} from '@dolly/overlay'
import { transportContract } from '../../../tunnels/test/contract/transport.contract.ts'
import { MAX_FRAME_BYTES } from '../../../tunnels/src/constants.ts'

/** Two libp2p hosts on loopback that know each other's address, each with a tunnel transport. */
async function pair(): Promise<{
  a: Libp2pTunnelTransport
  b: Libp2pTunnelTransport
  hosts: Libp2pHost[]
  stop: () => Promise<void>
}> {
  const rng = createCryptoRng()
  const log = createNullLogger()
  const ids = [generateIdentity(rng), generateIdentity(rng)]
  const hosts = await Promise.all(
    ids.map((identity) =>
      startLibp2pHost(identity, { listen: ['/ip4/127.0.0.1/tcp/0'], protocols: [], log }),
    ),
  )
  const [ha, hb] = hosts as [Libp2pHost, Libp2pHost]
  ha.learn(ids[1]!.publicKey, hb.addresses())
  hb.learn(ids[0]!.publicKey, ha.addresses())
  const a = createLibp2pTunnelTransport({ host: ha, log })
  const b = createLibp2pTunnelTransport({ host: hb, log })
  await a.start()
  await b.start()
  return {
    a,
    b,
    hosts,
    stop: async () => {
      await Promise.all([a.stop(), b.stop()])
      await Promise.all(hosts.map((h) => h.stop()))
    },
  }
}

/** Waits (bounded, real time) until `done()` holds. */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
}

describe('libp2p tunnel transport', () => {
  it('frames are bounded like the tunnel core', () => {
    expect(TUNNEL_MAX_FRAME_BYTES).toBe(MAX_FRAME_BYTES)
  })

  // The shared contract; the pair is connected first (the contract waits in event-loop turns, a dial takes longer).
  transportContract('libp2p (loopback)', async () => {
    const p = await pair()
    let warm = 0
    p.a.onFrame(() => (warm += 1))
    p.b.onFrame(() => (warm += 1))
    p.a.send(p.b.peerId, new Uint8Array([1]))
    p.b.send(p.a.peerId, new Uint8Array([2]))
    await until(() => warm === 2)
    expect(warm).toBe(2)
    return p
  })

  it('names the sender by the peer id Noise authenticated, and shares one stream per pair', async () => {
    const p = await pair()
    const got: string[] = []
    p.b.onFrame((from) => got.push(from))
    p.a.onFrame((from) => got.push(from))
    expect(p.a.send(p.b.peerId, new Uint8Array(10))).toBe(true)
    await until(() => got.length === 1)
    expect(p.b.send(p.a.peerId, new Uint8Array(10))).toBe(true)
    await until(() => got.length === 2)
    expect(got).toEqual([p.a.peerId, p.b.peerId])
    expect(p.a.peerId).toBe(p.hosts[0]!.peerId.toString())
    expect(p.a.neighbours()).toEqual([{ peerId: p.b.peerId, bytesSent: 14, bytesReceived: 14 }])
    await p.stop()
  })

  it('refuses oversized frames, ourselves and non-peer ids; counts the drops', async () => {
    const p = await pair()
    expect(p.a.send(p.b.peerId, new Uint8Array(MAX_FRAME_BYTES + 1))).toBe(false)
    expect(p.a.send(p.a.peerId, new Uint8Array(1))).toBe(false)
    expect(p.a.send('not-a-peer', new Uint8Array(1))).toBe(false)
    expect(p.a.stats().dropped).toMatchObject({ oversized: 1, refused: 2 })
    await p.stop()
  })

  it('sendOwned sends chunks as one frame, in order with send, under the same bounds', async () => {
    const p = await pair()
    const got: string[] = []
    p.b.onFrame((_from, frame) => got.push(Buffer.from(frame).toString('hex')))
    const chunks = [Buffer.from('0102', 'hex'), Buffer.alloc(60_000, 3), Buffer.from('04', 'hex')]
    expect(p.a.send(p.b.peerId, Buffer.from('aa', 'hex'))).toBe(true)
    expect(p.a.sendOwned(p.b.peerId, chunks)).toBe(true)
    expect(p.a.send(p.b.peerId, Buffer.from('bb', 'hex'))).toBe(true)
    await until(() => got.length === 3)
    expect(got).toEqual(['aa', Buffer.concat(chunks).toString('hex'), 'bb'])
    expect(p.a.stats()).toMatchObject({ framesSent: 3, bytesSent: 3 * 4 + 2 + 60_003 })
    const over = [new Uint8Array(MAX_FRAME_BYTES), new Uint8Array(1)]
    expect(p.a.sendOwned(p.b.peerId, over)).toBe(false)
    expect(p.a.stats().dropped.oversized).toBe(1)
    await p.stop()
  })

  it('drops frames beyond the per-peer queue bound instead of buffering them', async () => {
    const p = await pair()
    const small = createLibp2pTunnelTransport(
      { host: p.hosts[0]!, log: createNullLogger() },
      { protocolId: '/dolly/tunnels-test/1.0.0', maxQueuedBytes: 10 * 1024 },
    )
    await small.start()
    const frame = new Uint8Array(4096)
    const results = [1, 2, 3].map(() => small.send(p.b.peerId, frame))
    expect(results).toEqual([true, true, false])
    expect(small.stats().dropped.queueFull).toBe(1)
    await small.stop()
    await p.stop()
  })

  it('loses frames to an unreachable peer without throwing, counted', async () => {
    const p = await pair()
    const stranger = peerIdOfKey(generateIdentity(createCryptoRng()).publicKey).toString()
    expect(p.a.send(stranger, new Uint8Array(5))).toBe(true)
    await until(() => p.a.stats().dropped.unreachable === 1)
    expect(p.a.stats().dropped.unreachable).toBe(1)
    await p.stop()
  })
})
