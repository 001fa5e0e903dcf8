import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createCryptoRng,
  createMemoryLogger,
  createNullLogger,
  createSystemClock,
  generateIdentity,
  noCheckpoint,
  type Identity,
} from '@dolly/base'
import { createRootGenome } from '@dolly/learning'
import { bootstrapFromMultiaddrs, createNetworkComponent } from '@dolly/overlay'
import { createMemoryAgentStore } from '../../agent/adapters/memory-store.ts'
import { MB_BYTES, sellStep } from '../../agent/effects/sell.ts'
import type { OwnMatch } from '../token-market.ts'
import { createMarketComponent, type MarketComponent } from './market-component.ts'

// Loopback libp2p (127.0.0.1, no namespaces): no world lock needed.

async function until(done: () => boolean, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
  return done()
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined)
})

interface Agent {
  readonly identity: Identity
  readonly network: ReturnType<typeof createNetworkComponent>
  readonly market: MarketComponent
  readonly matches: OwnMatch[]
}

async function agent(bootstrap: readonly string[], balance: bigint): Promise<Agent> {
  const home = await mkdtemp(join(tmpdir(), 'dolly-market-component-'))
  cleanups.push(() => rm(home, { recursive: true, force: true }))
  const clock = createSystemClock()
  const rng = createCryptoRng()
  const log = createNullLogger()
  const identity = generateIdentity(rng)
  const network = createNetworkComponent(
    { clock, rng, log, identity },
    {
      home,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      network: {
        treePath: 'test',
        bootstrap: bootstrapFromMultiaddrs(bootstrap),
        shuffleIntervalMs: 200,
        antiEntropyIntervalMs: 200,
      },
      snapshotIntervalMs: 60_000,
    },
  )
  const market = createMarketComponent(
    { clock, rng, log, signer: identity, network, balanceBytes: () => balance },
    { marketOptions: { pollIntervalMs: 0 } },
  )
  const matches: OwnMatch[] = []
  market.onMatch((m) => matches.push(m))
  // Before start the market has no matchmakers: the sell step does nothing.
  expect(market.market.hasMatchmakers()).toBe(false)
  await network.start()
  await market.start()
  cleanups.push(async () => {
    await market.stop()
    await network.stop()
  })
  return { identity, network, market, matches }
}

describe('market component on the overlay (loopback libp2p)', () => {
  it("the sell step's ask rests at the neighbours' matchmakers, a bid matches it, both agents get the match", async () => {
    const c = await agent([], 0n)
    const contact = c.network.network()?.selfContact()
    const addr = `${(contact?.value as { addrs: string[] }).addrs[0] ?? ''}`
    const a = await agent([addr], 8_000n * MB_BYTES)
    const b = await agent([addr], 0n)
    const ids = [a, b, c].map((x) => bytesToHex(x.identity.publicKey))
    // Each knows the two others (the overlay's contacts).
    for (const x of [a, b, c])
      expect(await until(() => (x.network.network()?.contacts().length ?? 0) >= 2)).toBe(true)

    const clock = createSystemClock()
    const g = createRootGenome({ providers: ['memhost'], version: '0.1.0', exitNode: false })
    const ports = {
      market: a.market.market,
      store: createMemoryAgentStore(),
      clock,
      log: createMemoryLogger(),
      checkpoint: noCheckpoint,
    }
    const report = await sellStep(
      ports,
      {},
      {
        genome: { ...g, strategy: { ...g.strategy, name: 'constant_sell' } },
        spendableSats: 60_000n,
        expirationMs: clock.nowMs() + 30 * 86_400_000,
        replicationPriceSats: 460_000n,
      },
    )
    expect(report?.placed).toMatchObject({ number: 1, mbBytes: 8_000n * MB_BYTES, sats: 400_000n })
    const askId = `${ids[0] ?? ''}:1`
    expect(b.market.matchmaker()?.book.get(askId)?.remaining).toBe(8_000n * MB_BYTES)
    expect(c.market.matchmaker()?.book.get(askId)?.remaining).toBe(8_000n * MB_BYTES)
    expect(await a.market.market.availableMbBytes()).toBe(0n)

    await b.market
      .agentMarket()
      ?.placeBid({ number: 1, mbBytes: 4_000n * MB_BYTES, sats: 240_000n, timeoutS: 600 })
    expect(await until(() => a.matches.length === 1 && b.matches.length === 1)).toBe(true)
    expect(a.matches[0]).toMatchObject({ order: askId, side: 'ask', counterparty: ids[1], sats: 200_000n })
    expect(a.market.market.fillOf(1)).toBe(0.5)
    // B's bestBid view and A's trade history come from the matchmakers' reports.
    await a.market.market.availableMbBytes()
    expect(a.market.market.trades().map((t) => t.priceSatPerMb)).toEqual([50])
  }, 60_000)
})
