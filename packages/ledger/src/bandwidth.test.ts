import { createSeededRng, createVirtualClock } from '@dolly/base'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity, createSignatureVerifier } from '@dolly/base'
import { openSqliteLedgerStore } from './adapters/sqlite-store.ts'
import {
  bandwidthRules,
  bytesToMbFloor,
  decodeBandwidthTx,
  encodeBandwidthTx,
  mirrorDeltas,
  nextBandwidthTx,
  transferDeltas,
} from './bandwidth.ts'
import { createExpectations } from './expectations.ts'
import { createLedger } from './ledger.ts'
import { createMemoryNetwork } from './adapters/memory-transport.ts'
import { createLedgerProtocol } from './protocol/ledger-protocol.ts'
import type { LedgerStore } from './ports.ts'
import { verifyStoredChain } from './verify-chain.ts'

const MiB = 1n << 20n
const stores: LedgerStore[] = []
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
})

describe('bandwidth transactions (ALGORITHMS.md §9.1)', () => {
  it('carries totals on and mirrors a proposal', () => {
    const first = nextBandwidthTx(undefined, 3n, 5n)
    expect(first).toEqual({ up: 3n, down: 5n, totalUp: 3n, totalDown: 5n })
    expect(nextBandwidthTx(first, 0n, 2n)).toEqual({ up: 0n, down: 2n, totalUp: 3n, totalDown: 7n })
    expect(mirrorDeltas(first)).toEqual({ up: 5n, down: 3n })
    expect(decodeBandwidthTx(encodeBandwidthTx(first))).toEqual(first)
  })

  it('refuses all-zero and negative amounts', () => {
    for (const [up, down] of [
      [0n, 0n],
      [-1n, 5n],
      [5n, -1n],
    ] as const) {
      expect(() => nextBandwidthTx(undefined, up, down)).toThrow(
        expect.objectContaining({ code: 'LEDGER_TX_AMOUNT_INVALID' }),
      )
    }
  })

  it('counts whole MB tokens rounding down, also for debts', () => {
    expect([0n, MiB - 1n, MiB, 5n * MiB + 1n, -1n, -MiB, -MiB - 1n].map(bytesToMbFloor)).toEqual([
      0n,
      0n,
      1n,
      5n,
      -1n,
      -1n,
      -2n,
    ])
  })

  it('makes a transfer of q MB a payer proposal {up 0, down q·2^20}, at least 1 MB', () => {
    expect(transferDeltas(3n)).toEqual({ up: 0n, down: 3n * MiB })
    expect(() => transferDeltas(0n)).toThrow(expect.objectContaining({ code: 'LEDGER_TX_AMOUNT_INVALID' }))
  })
})

describe('conservation over random transfers between many agents', () => {
  it('keeps the sum of balances at zero, every chain verifying, each balance equal to its net traffic', async () => {
    const transfer = fc.record({
      from: fc.nat({ max: 4 }),
      to: fc.nat({ max: 4 }),
      up: fc.bigInt({ min: 0n, max: 50n * MiB }),
      down: fc.bigInt({ min: 0n, max: 50n * MiB }),
    })
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(transfer, { maxLength: 30 }), async (transfers) => {
        const clock = createVirtualClock(0)
        const network = createMemoryNetwork()
        const agents = Array.from({ length: 5 }, (_, i) => {
          const identity = generateIdentity(createSeededRng(`conserve-${run}-${i}`))
          const store = openSqliteLedgerStore(':memory:')
          stores.push(store)
          const expectations = createExpectations({ clock })
          const ledger = createLedger({ store, signer: identity, clock }, { policy: expectations })
          const protocol = createLedgerProtocol({
            ledger,
            store,
            transport: network.transport(identity.publicKey),
            clock,
          })
          protocol.start()
          return { identity, store, ledger, protocol, expectations }
        })
        run++
        const net = agents.map(() => 0n)
        for (const t of transfers) {
          if (t.from === t.to || (t.up === 0n && t.down === 0n)) continue
          const from = agents[t.from]!
          const to = agents[t.to]!
          // The counterparty measured the same traffic: it gave `down` and took `up`.
          expect(
            to.expectations.expect(from.identity.publicKey, {
              ref: 'traffic',
              upBytes: t.down,
              downBytes: t.up,
            }).ok,
          ).toBe(true)
          const result = await from.protocol.transact(to.identity.publicKey, t.up, t.down)
          expect(result.ok).toBe(true)
          net[t.from]! += t.up - t.down
          net[t.to]! += t.down - t.up
        }
        const balances = agents.map((a) => a.ledger.balance().bytes)
        expect(balances).toEqual(net)
        expect(balances.reduce((sum, b) => sum + b, 0n)).toBe(0n)
        for (const a of agents) {
          const report = verifyStoredChain(a.store, a.identity.publicKey, createSignatureVerifier(), {
            tribler_bandwidth: bandwidthRules,
          })
          expect(report.problems).toEqual([])
        }
        for (const a of agents) a.protocol.stop()
      }),
      { numRuns: 25 },
    )
  })
})

describe('bandwidth transaction decoding', () => {
  it('agrees with the generic dict decoder on every input', async () => {
    const { decodeTxDict } = await import('./tx-dict.ts')
    const valid = fc.record({
      up: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      down: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      totalUp: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      totalDown: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    })
    fc.assert(
      fc.property(valid, fc.nat({ max: 64 }), fc.nat({ max: 255 }), (tx, at, xor) => {
        const bytes = encodeBandwidthTx(tx)
        expect(decodeBandwidthTx(bytes)).toEqual(tx)
        const changed = new Uint8Array(bytes)
        changed[at]! ^= xor
        const dict = decodeTxDict(changed)
        const generic =
          dict !== undefined &&
          Object.keys(dict).length === 4 &&
          ['up', 'down', 'total_up', 'total_down'].every((k) => typeof dict[k] === 'bigint')
        const fast = decodeBandwidthTx(changed)
        expect(fast !== undefined).toBe(generic)
        if (fast !== undefined && dict !== undefined)
          expect(fast).toEqual({
            up: dict['up'],
            down: dict['down'],
            totalUp: dict['total_up'],
            totalDown: dict['total_down'],
          })
      }),
    )
  })
})
