import { describe, expect, it } from 'vitest'
import { emptyStats, type UserStats } from '../users/stats.ts'
import {
  formatBytes,
  renderAgentTraffic,
  renderLoop,
  renderUser,
  renderUsersTotal,
  formatTokens,
  renderAgentMarket,
  renderMarketSummary,
  summarizeMarket,
  type MarketBlock,
  type TunnelsBlock,
} from './traffic.ts'

const EXIT: TunnelsBlock = {
  relay: true,
  exit: true,
  hopsKnown: 4,
  circuits: { relayedNow: 1, exitedNow: 2, relayedTotal: 7, exitedTotal: 5 },
  bytesUp: '1536',
  bytesDown: '209715200',
  exitBytesOut: '300',
  exitBytesIn: '209715200',
  framesDropped: 0,
}

describe('formatBytes', () => {
  it.each([
    ['0', '0 B'],
    ['1023', '1023 B'],
    ['1024', '1.0 KiB'],
    ['1536', '1.5 KiB'],
    [104_857_600, '100.0 MiB'],
    [1_073_741_824n, '1.0 GiB'],
    ['1649267441664', '1.5 TiB'],
    [2n ** 50n, '1024.0 TiB'],
    ['not a number', 'not a number'],
    [-5, '-5'],
  ])('%s → %s', (value, text) => {
    expect(formatBytes(value)).toBe(text)
  })
})

describe('formatTokens', () => {
  it.each([
    ['0', '0.00 MB'],
    ['1048576', '1.00 MB'],
    ['1572864', '1.50 MB'],
    ['-2097152', '-2.00 MB'],
    ['5242', '0.00 MB'],
    ['not a number', 'not a number'],
  ])('%s → %s', (value, text) => {
    expect(formatTokens(value)).toBe(text)
  })
})

describe('renderAgentTraffic', () => {
  it('reads as roles, circuits, bytes carried and, for an exit, bytes exchanged with destinations', () => {
    expect(renderAgentTraffic(EXIT)).toBe(
      'relay+exit; circuits relayed 7 (1 open), exited 5 (2 open); carried up 1.5 KiB, down 200.0 MiB; exit out 300 B, in 200.0 MiB',
    )
    const relay = { ...EXIT, exit: false, circuits: { ...EXIT.circuits, exitedNow: 0, exitedTotal: 0 } }
    expect(renderAgentTraffic(relay)).toBe(
      'relay; circuits relayed 7 (1 open), exited 0 (0 open); carried up 1.5 KiB, down 200.0 MiB',
    )
  })

  it('adds the MB tokens of an agent that runs payments', () => {
    const payments = {
      rule: 'fair' as const,
      paid: '0',
      received: '419430400',
      earned: '209715200',
      balance: '209715200',
      cutUnpaid: 1,
      refused: 0,
    }
    expect(renderAgentTraffic({ ...EXIT, payments })).toMatch(
      /; tokens \(fair\) earned 200\.00 MB, paid 0\.00 MB, balance 200\.00 MB, cut unpaid 1$/,
    )
  })
})

describe('users', () => {
  const alice: UserStats = {
    ...emptyStats('user1', '10.77.1.9', false),
    state: 'running',
    requests: 3,
    ok: 2,
    failures: 1,
    bytes: 3 * 1_048_576,
  }
  const bob: UserStats = {
    ...emptyStats('user2', '', true),
    state: 'failed',
    error: 'proxy exited (1)\nmore',
  }

  it('totals downloads, successes, failures and bytes over all users', () => {
    expect(renderUsersTotal([alice, bob])).toBe(
      '2 users (1 free riders): 3 downloads, 2 ok, 1 failed, 3.0 MiB received',
    )
  })

  it("shows each user's downloads and the first line of why it failed", () => {
    expect(renderUser(alice)).toBe(
      'user1    10.77.1.9    paying     running  3 downloads, 2 ok, 1 failed, 3.0 MiB received',
    )
    expect(renderUser(bob)).toBe(
      'user2    -            free rider failed   0 downloads, 0 ok, 0 failed, 0 B received  (proxy exited (1))',
    )
    expect(renderUser({ ...alice, proxyRestarts: 2 })).toBe(
      'user1    10.77.1.9    paying     running  3 downloads, 2 ok, 1 failed, 3.0 MiB received, proxy restarted 2×',
    )
  })

  it("shows a token buyer's price, cheat, bids, trades and what it paid for how many MB", () => {
    const buyer: UserStats = {
      ...alice,
      buyer: {
        maxSatPerMb: '145',
        cheat: 'stop-paying',
        fundedSats: '40000',
        bids: 2,
        tradesCompleted: 1,
        tradesAborted: 1,
        satsPaid: '1976',
        mbBoughtBytes: String(13 * 1_048_576),
      },
    }
    expect(renderUser(buyer)).toBe(
      'user1    10.77.1.9    paying     running  3 downloads, 2 ok, 1 failed, 3.0 MiB received; buys MB at ≤ 145 sat/MB (cheat: stop-paying): 2 bids, 1 trades done, 1 aborted, paid 1976 sats for 13.00 MB, allowance 40000 sats',
    )
  })
})

describe('loop', () => {
  it('sums the trade payments and lists each provider payment with the trade outputs it spent', () => {
    const trace = {
      tradePayments: [
        { user: 'user1', txid: 'aa', vout: 1, address: 'rltc1qa', sats: 6_000n, spentBy: 'cc' },
        { user: 'user3', txid: 'bb', vout: 0, address: 'rltc1qb', sats: 9_000n, spentBy: null },
      ],
      tradeSats: 15_000n,
      purchases: [
        {
          txid: 'cc',
          providers: [{ wallet: 'shop-bluecloud', sats: 4_990n }],
          fromTrades: [{ txid: 'aa', vout: 1, sats: 6_000n }],
        },
      ],
    }
    expect(renderLoop(trace)).toBe(
      [
        'loop: 2 trade payments from users to agents, 15000 sats; 1 spent; 1 provider payments funded by them (6000 sats of trade money)',
        '  cc pays shop-bluecloud 4990 sats from aa:1 (6000 sats)',
      ].join('\n'),
    )
  })
})

describe('market (issue 17)', () => {
  const MB = 1_048_576
  const seller: MarketBlock = {
    mbBalanceBytes: String(60 * MB),
    orders: [
      {
        number: 2,
        side: 'ask',
        mbBytes: String(100 * MB),
        sats: '5000',
        priceSatPerMb: '50.00',
        filledBytes: '0',
        expiresAtMs: 10,
      },
    ],
    lastTrade: { priceSatPerMb: '50.00', timeMs: 1_000 },
    settlement: {
      open: 1,
      completed: 2,
      aborted: 1,
      satsReceived: '2100',
      satsPaid: '0',
      mbSoldBytes: String(42 * MB),
      mbBoughtBytes: '0',
    },
    matchmaker: { bids: 0, asks: 1, accepted: 4, refused: 0, matches: 2, dropped: 0 },
  }
  const buyer: MarketBlock = {
    mbBalanceBytes: String(42 * MB),
    orders: [],
    lastTrade: { priceSatPerMb: '45.00', timeMs: 2_000 },
    settlement: {
      open: 0,
      completed: 2,
      aborted: 0,
      satsReceived: '0',
      satsPaid: '2100',
      mbSoldBytes: '0',
      mbBoughtBytes: String(42 * MB),
    },
    matchmaker: null,
  }
  const idle: MarketBlock = { ...buyer, lastTrade: null, settlement: null }

  it("reads an agent's orders, settled trades, sats received, MB sold and last price", () => {
    expect(renderAgentMarket(seller)).toBe(
      'orders open 1; trades completed 2 (1 open, 1 aborted), received 2100 sats, sold 42.00 MB, paid 0 sats, bought 0.00 MB; last price 50.00 sat/MB',
    )
    expect(renderAgentMarket(idle)).toBe('orders open 0; settlement not started; last price none')
  })

  it('sums the world: each trade once though both parties count it, the latest price', () => {
    const summary = summarizeMarket([{ market: seller }, { market: buyer }, { market: idle }, {}])
    expect(summary).toEqual({
      agents: 3,
      trades: 2,
      satsMoved: '2100',
      mbMovedBytes: String(42 * MB),
      lastTrade: { priceSatPerMb: '45.00', timeMs: 2_000 },
    })
    if (summary === undefined) throw new Error('no summary')
    expect(renderMarketSummary(summary)).toBe(
      '3 agents trading: 2 trades, 2100 sats and 42.00 MB moved; last price 45.00 sat/MB',
    )
    // One party's block missing (its public status only): the trades still count.
    expect(summarizeMarket([{ market: seller }])).toMatchObject({ trades: 1, satsMoved: '2100' })
    expect(summarizeMarket([{}, {}])).toBeUndefined()
    expect(
      renderMarketSummary({ agents: 1, trades: 0, satsMoved: '0', mbMovedBytes: '0', lastTrade: null }),
    ).toBe('1 agent trading: 0 trades, 0 sats and 0.00 MB moved; last price none')
  })
})
