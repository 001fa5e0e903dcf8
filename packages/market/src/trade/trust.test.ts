import { describe, expect, it } from 'vitest'
import {
  createTradeTrustPolicy,
  INTERNET_CONFIRMATIONS,
  paymentCounts,
  TRADE_TRUST_DEFAULTS,
  WORLD_CONFIRMATIONS,
  type StrangerAdmission,
} from './trust.ts'

describe('paymentCounts', () => {
  it('counts 0-conf up to the smaller of the policy and trust allowances, then needs confirmations', () => {
    expect(paymentCounts(60_000n, 0, 0n, 1_000_000n, WORLD_CONFIRMATIONS)).toEqual({
      counts: true,
      zeroConf: true,
    })
    expect(paymentCounts(60_000n, 0, 50_000n, 1_000_000n, WORLD_CONFIRMATIONS)).toEqual({
      counts: false,
      zeroConf: false,
    })
    expect(paymentCounts(60_000n, 1, 50_000n, 1_000_000n, WORLD_CONFIRMATIONS)).toEqual({
      counts: true,
      zeroConf: false,
    })
    expect(paymentCounts(10_000n, 0, 0n, 5_000n, WORLD_CONFIRMATIONS)).toEqual({
      counts: false,
      zeroConf: false,
    })
    expect(paymentCounts(10_000n, 1, 0n, 0n, INTERNET_CONFIRMATIONS)).toEqual({
      counts: false,
      zeroConf: false,
    })
    expect(paymentCounts(10_000n, 2, 0n, 0n, INTERNET_CONFIRMATIONS)).toEqual({
      counts: true,
      zeroConf: false,
    })
  })
})

/** Model 0 reduced to what the policy asks: a known set and a stranger budget of `slots` trades. */
function admission(
  known: string[],
  slots: number,
): StrangerAdmission & { settledCalls: [string, boolean][] } {
  let left = slots
  const settledCalls: [string, boolean][] = []
  return {
    settledCalls,
    isKnown: (p) => known.includes(p),
    accept: (p) => known.includes(p) || left > 0,
    settle: (p, ok) => {
      settledCalls.push([p, ok])
      if (!known.includes(p)) left -= 1
    },
  }
}

describe('createTradeTrustPolicy', () => {
  const open = (n: number) => ({ openTrades: () => Promise.resolve(n) })

  it('refuses a counterparty over the open-responsibilities cap (Tribler’s rule, switched on)', async () => {
    const p = createTradeTrustPolicy({ strangers: admission(['k'], 5), responsibilities: open(4) })
    expect(await p.admit('k', 1n, 0)).toMatchObject({ ok: false })
    const q = createTradeTrustPolicy({ strangers: admission(['k'], 5), responsibilities: open(3) })
    expect(await q.admit('k', 1n, 0)).toEqual({ ok: true, zeroConfSats: TRADE_TRUST_DEFAULTS.zeroConfSats })
  })

  it('gives strangers a smaller exposure cap and 0-conf allowance, within Model 0’s budget', async () => {
    const strangers = admission([], 1)
    const p = createTradeTrustPolicy({ strangers, responsibilities: open(0) })
    expect(await p.admit('s', TRADE_TRUST_DEFAULTS.strangerMaxExposureSats + 1n, 0)).toMatchObject({
      ok: false,
    })
    expect(await p.admit('s', 1_000n, 0)).toEqual({
      ok: true,
      zeroConfSats: TRADE_TRUST_DEFAULTS.strangerZeroConfSats,
    })
    p.settled('s', false, 5_000)
    expect(strangers.settledCalls).toEqual([['s', false]])
    expect(await p.admit('t', 1_000n, 0)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('Model 0'),
    })
  })
})
