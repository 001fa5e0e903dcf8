import { bytesToHex, createCryptoRng, createNullLogger, generateIdentity, realSleep } from '@dolly/base'
import { MAX_TRADE_MESSAGE_BYTES } from '@dolly/market'
import { startLibp2pHost, type Libp2pHost } from '@dolly/overlay'
import { describe, expect, it } from 'vitest'
import { createLibp2pTradeChannel, createMemoryTradeHub, type TradeChannel } from './trade-channel.ts'

/** Waits (bounded, real time) until `done()` holds. */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  for (let waited = 0; !done() && waited < ms; waited += 10) await realSleep(10)
}

describe('trade channel', () => {
  it('carries trade messages between two libp2p hosts on /dolly/trade/1.0.0, with the sender authenticated', async () => {
    const rng = createCryptoRng()
    const log = createNullLogger()
    const ids = [generateIdentity(rng), generateIdentity(rng)] as const
    const hosts: Libp2pHost[] = await Promise.all(
      ids.map((identity) =>
        startLibp2pHost(identity, { listen: ['/ip4/127.0.0.1/tcp/0'], protocols: [], log }),
      ),
    )
    const [ha, hb] = hosts as [Libp2pHost, Libp2pHost]
    const a: TradeChannel = createLibp2pTradeChannel({ host: ha, log })
    const b: TradeChannel = createLibp2pTradeChannel({ host: hb, log })
    const seenByB: string[] = []
    b.onPeerSeen((key) => seenByB.push(key))
    const keyA = bytesToHex(ids[0].publicKey)
    ha.learn(ids[1].publicKey, hb.addresses())
    // b learns where a listens: it sees a.
    hb.learn(ids[0].publicKey, ha.addresses())
    await until(() => seenByB.length >= 1)
    expect(seenByB).toEqual([keyA])
    const got: { bytes: Uint8Array; from: string }[] = []
    b.onMessage((bytes, from) => got.push({ bytes, from }))
    await a.start()
    await b.start()
    try {
      const big = new Uint8Array(MAX_TRADE_MESSAGE_BYTES).fill(7)
      a.transport.send(bytesToHex(ids[1].publicKey), Uint8Array.of(1, 2, 3))
      a.transport.send(bytesToHex(ids[1].publicKey), big)
      // Over the limit: dropped (best effort, never thrown), the protocol retransmits nothing that large.
      a.transport.send(bytesToHex(ids[1].publicKey), new Uint8Array(MAX_TRADE_MESSAGE_BYTES + 1))
      await until(() => got.length >= 2)
      await realSleep(100)
      expect(got.map((m) => m.bytes.byteLength).sort((x, y) => x - y)).toEqual([3, MAX_TRADE_MESSAGE_BYTES])
      expect(got.every((m) => m.from === bytesToHex(ids[0].publicKey))).toBe(true)
      // a's first message opened a connection: b saw a again (once per connection, not per message).
      expect(seenByB).toEqual([keyA, keyA])
      // Learning a's addresses again is no news; a new address is.
      hb.learn(ids[0].publicKey, ha.addresses())
      hb.learn(ids[0].publicKey, [...ha.addresses(), '/ip4/127.0.0.2/tcp/9'])
      await until(() => seenByB.length >= 3)
      await realSleep(100)
      expect(seenByB).toEqual([keyA, keyA, keyA])
    } finally {
      await Promise.all([a.stop(), b.stop()])
      await Promise.all(hosts.map((h) => h.stop()))
    }
  }, 30_000)

  it('memory hub: delivers later, drops to a stopped or cut-off trader, and shows one let back in', async () => {
    const hub = createMemoryTradeHub()
    const a = hub.channelFor('a'.repeat(64))
    const b = hub.channelFor('b'.repeat(64))
    const got: string[] = []
    const seenByB: string[] = []
    const seenByA: string[] = []
    b.onPeerSeen((key) => seenByB.push(key.slice(0, 1)))
    a.onPeerSeen((key) => seenByA.push(key.slice(0, 1)))
    b.onMessage((bytes, from) => got.push(`${from.slice(0, 1)}:${bytes[0]}`))
    await a.start()
    a.transport.send('b'.repeat(64), Uint8Array.of(1)) // b not started yet: dropped
    await realSleep(5)
    await b.start()
    a.transport.send('b'.repeat(64), Uint8Array.of(2))
    expect(got).toEqual([]) // not synchronous
    await until(() => got.length === 1)
    hub.cut('a'.repeat(64), true)
    a.transport.send('b'.repeat(64), Uint8Array.of(3))
    expect(seenByB).toEqual([])
    hub.cut('a'.repeat(64), false)
    // Let back in, a is seen by every other trader, not by itself; letting in one never cut off is no news.
    expect(seenByB).toEqual(['a'])
    expect(seenByA).toEqual([])
    hub.cut('b'.repeat(64), false)
    expect(seenByA).toEqual([])
    await b.stop()
    a.transport.send('b'.repeat(64), Uint8Array.of(4))
    await realSleep(20)
    expect(got).toEqual(['a:2'])
    expect(hub.delivered()).toBe(1)
  })
})
