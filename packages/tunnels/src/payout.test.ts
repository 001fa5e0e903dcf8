import { describe, expect, it } from 'vitest'
import { exitKeeps, minimumRelayReceives, payoutShares, PAYOUT_RULES, relayKeeps } from './payout.ts'

const MiB = 1n << 20n
const kept = (base: bigint, hops: number, rule: '2017' | '2021' | 'fair'): bigint[] =>
  payoutShares(base, hops, rule).hops.map((h) => h.kept)

describe('payoutShares (ALGORITHMS.md §9.3)', () => {
  it('2017: the golden table (base 100 MiB at 3 hops: 500 paid, 200/300, 200/100, 100)', () => {
    const s = payoutShares(100n * MiB, 3, '2017')
    expect(s.downloaderPays).toBe(500n * MiB)
    expect(s.hops).toEqual([
      { received: 500n * MiB, kept: 200n * MiB, forwarded: 300n * MiB },
      { received: 300n * MiB, kept: 200n * MiB, forwarded: 100n * MiB },
      { received: 100n * MiB, kept: 100n * MiB, forwarded: 0n },
    ])
    const b = 7n * MiB
    expect(payoutShares(b, 1, '2017')).toEqual({
      downloaderPays: b,
      hops: [{ received: b, kept: b, forwarded: 0n }],
    })
    expect(payoutShares(b, 2, '2017').downloaderPays).toBe(3n * b)
    expect(kept(b, 2, '2017')).toEqual([2n * b, b])
  })

  it('2021: the Tribler test golden (2 hops, base 250 MiB: downloader −750, relay +250, exit +500)', () => {
    const s = payoutShares(250n * MiB, 2, '2021')
    expect(s.downloaderPays).toBe(750n * MiB)
    expect(kept(250n * MiB, 2, '2021')).toEqual([250n * MiB, 500n * MiB])
  })

  it('2021 has the gap: at 3 hops the middle relay nets nothing', () => {
    const b = 100n * MiB
    expect(kept(b, 3, '2021')).toEqual([3n * b, 0n, 2n * b])
    expect(kept(b, 4, '2021')).toEqual([5n * b, 0n, 0n, 2n * b])
  })

  it('fair: every hop earns, the exit the most, no gap', () => {
    const b = 100n * MiB
    expect(payoutShares(b, 1, 'fair').downloaderPays).toBe(2n * b)
    expect(kept(b, 1, 'fair')).toEqual([2n * b])
    expect(kept(b, 2, 'fair')).toEqual([b, 2n * b])
    expect(payoutShares(b, 3, 'fair').downloaderPays).toBe(4n * b)
    expect(kept(b, 3, 'fair')).toEqual([b, b, 2n * b])
    for (let hops = 1; hops <= 8; hops++) {
      const k = kept(b, hops, 'fair')
      expect(k.every((x) => x > 0n)).toBe(true)
      expect(k[k.length - 1]).toBe(k.reduce((m, x) => (x > m ? x : m), 0n))
    }
  })

  it('conserves tokens: what the downloader pays is what the hops keep, for every rule and length', () => {
    for (const rule of PAYOUT_RULES)
      for (let hops = 1; hops <= 8; hops++)
        for (const b of [0n, 1n, MiB, 12_345_677n]) {
          const s = payoutShares(b, hops, rule)
          expect(s.hops.reduce((a, h) => a + h.kept, 0n)).toBe(s.downloaderPays)
          expect(s.hops.every((h) => h.kept >= 0n && h.forwarded >= 0n)).toBe(true)
          // every relay received what it checks for, the exit at least its share
          s.hops.slice(0, -1).forEach((h) => expect(h.received >= minimumRelayReceives(b, rule)).toBe(true))
          expect(s.hops[hops - 1]?.kept).toBeGreaterThanOrEqual(exitKeeps(b, rule))
        }
  })

  it('refuses bad input with a code', () => {
    expect(() => payoutShares(-1n, 2, 'fair')).toThrow(
      expect.objectContaining({ code: 'BASE_INVALID_OPTION' }),
    )
    expect(() => payoutShares(1n, 0, 'fair')).toThrow(
      expect.objectContaining({ code: 'BASE_INVALID_OPTION' }),
    )
    expect(() => payoutShares(1n, 1.5, '2017')).toThrow(
      expect.objectContaining({ code: 'BASE_INVALID_OPTION' }),
    )
    expect(() => relayKeeps(2n * MiB, MiB, '2017')).toThrow(
      expect.objectContaining({ code: 'BASE_INVALID_OPTION' }),
    )
  })
})
