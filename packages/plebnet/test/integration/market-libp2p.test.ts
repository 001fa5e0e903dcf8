import {
  bytesToHex,
  createMemoryLogger,
  createNullLogger,
  createSeededRng,
  createSignatureVerifier,
  createSystemClock,
  generateIdentity,
  type Identity,
} from '@dolly/base'
import { startLibp2pHost, type Libp2pHost } from '@dolly/overlay'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createLibp2pMarketChannel,
  type Libp2pMarketChannel,
} from '../../src/market/adapters/libp2p-market-channel.ts'
import { serveMarket } from '../../src/market/channel.ts'
import { createMatchmaker } from '../../src/market/matchmaker.ts'
import { createAgentTokenMarket, type OwnMatch } from '../../src/market/token-market.ts'
import { peerIdOfHex } from '../../src/tunnels/directory.ts'

// Loopback only (127.0.0.1, no namespaces): no world lock needed.

const hosts: Libp2pHost[] = []
const channels: Libp2pMarketChannel[] = []
afterEach(async () => {
  for (const c of channels.splice(0)) await c.stop()
  for (const h of hosts.splice(0)) await h.stop()
})

async function node(
  seed: string,
): Promise<{ identity: Identity; host: Libp2pHost; channel: Libp2pMarketChannel }> {
  const identity = generateIdentity(createSeededRng(seed))
  const host = await startLibp2pHost(identity, {
    listen: ['/ip4/127.0.0.1/tcp/0'],
    protocols: [],
    log: createNullLogger(),
  })
  hosts.push(host)
  const channel = createLibp2pMarketChannel({ host, log: createNullLogger() })
  channels.push(channel)
  await channel.start()
  return { identity, host, channel }
}

const MB = 1n << 20n

describe('the market channel over libp2p (loopback)', () => {
  it('carries an ask and a bid to a matchmaker, and MATCH back to both traders', async () => {
    const clock = createSystemClock()
    const [m, a, b] = [await node('mk-m'), await node('mk-a'), await node('mk-b')]
    for (const x of [m, a, b])
      for (const y of [m, a, b]) if (x !== y) x.host.learn(y.identity.publicKey, y.host.addresses())
    const mm = createMatchmaker({
      clock,
      rng: createSeededRng('mk'),
      log: createMemoryLogger(),
      verifier: createSignatureVerifier(),
      channel: m.channel,
      addressOf: peerIdOfHex,
    })
    serveMarket(m.channel, { matchmaker: (from, r) => mm.handle(from, r) })
    expect(m.channel.address).toBe(peerIdOfHex(bytesToHex(m.identity.publicKey)))
    const trader = (x: typeof a) => {
      const matches: OwnMatch[] = []
      const market = createAgentTokenMarket({
        clock,
        log: createMemoryLogger(),
        signer: x.identity,
        channel: x.channel,
        matchmakers: () => [m.channel.address],
        balanceBytes: () => Promise.resolve(100n * MB),
        onMatch: (match) => matches.push(match),
      })
      serveMarket(x.channel, { trader: (from, r) => market.handleMatch(from, r) })
      return { market, matches }
    }
    const ta = trader(a)
    const tb = trader(b)
    await ta.market.placeAsk({ number: 1, mbBytes: 10n * MB, sats: 50_000n, timeoutS: 600 })
    expect(ta.market.orders().get(1)?.sentTo).toEqual([m.channel.address])
    await tb.market.placeBid({ number: 1, mbBytes: 10n * MB, sats: 60_000n, timeoutS: 600 })
    await mm.settled()
    expect(ta.matches).toHaveLength(1)
    expect(tb.matches).toHaveLength(1)
    expect(ta.matches[0]).toMatchObject({
      matchmaker: m.channel.address,
      side: 'ask',
      mbBytes: 10n * MB,
      sats: 50_000n,
    })
    expect(ta.market.fillOf(1)).toBe(1)
    await ta.market.refresh()
    expect(ta.market.trades().map((t) => t.priceSatPerMb)).toEqual([5000])
    expect(m.channel.stats().failed).toBe(0)
  })
})
