import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ASK, BID, createMatchingEngine, type MatchingEngine, type Side } from './matching.ts'

type FillRow = [maker: number, taker: number, bytes: number, sats: number]

function engineWithLog(isBlocked?: (m: number, t: number) => boolean): {
  engine: MatchingEngine
  fills: FillRow[]
  expired: number[]
} {
  const fills: FillRow[] = []
  const expired: number[] = []
  const engine = createMatchingEngine({
    onFill: (maker, taker, bytes, sats) => fills.push([maker, taker, bytes, sats]),
    onExpire: (id) => expired.push(id),
    ...(isBlocked === undefined ? {} : { isBlocked }),
  })
  return { engine, fills, expired }
}

const FOREVER = Number.POSITIVE_INFINITY

describe('matching engine', () => {
  it('fills best price first, earliest first within a price, and rests the remainder', () => {
    const { engine, fills } = engineWithLog()
    // Asks: id 1 at 10/1, id 2 at 9/1, id 3 at 9/1 (later), id 4 at 12/1.
    engine.limit(1, 101, ASK, 10, 1, 5, FOREVER, 0)
    engine.limit(2, 102, ASK, 9, 1, 5, FOREVER, 0)
    engine.limit(3, 103, ASK, 18, 2, 5, FOREVER, 0) // 18/2 = 9: same level as id 2
    engine.limit(4, 104, ASK, 12, 1, 5, FOREVER, 0)
    const left = engine.limit(9, 109, BID, 10, 1, 12, FOREVER, 0)
    expect(fills).toEqual([
      [2, 9, 5, 45],
      [3, 9, 5, 45],
      [1, 9, 2, 20],
    ])
    expect(left).toBe(0)
    expect(engine.depth(ASK).map((l) => [l.sats / l.bytes, l.volume, l.orders])).toEqual([
      [10, 3, [1]],
      [12, 5, [4]],
    ])
    // A bid that crosses nothing rests; the thesis example: 10 offered, 5 bought, 5 remaining.
    const rest = engine.limit(10, 110, BID, 11, 1, 10, FOREVER, 0)
    expect(rest).toBe(7)
    expect(engine.depth(BID)).toEqual([{ sats: 11, bytes: 1, volume: 7, orders: [10] }])
    expect(engine.depth(ASK).map((l) => l.orders)).toEqual([[4]])
  })

  it('skips own orders and blocked counterparties, which keep their place', () => {
    const blocked = (m: number, t: number): boolean => m === 202 && t === 300
    const { engine, fills } = engineWithLog(blocked)
    engine.limit(1, 300, ASK, 5, 1, 4, FOREVER, 0) // the taker's own
    engine.limit(2, 202, ASK, 5, 1, 4, FOREVER, 0) // blocked for trader 300
    engine.limit(3, 203, ASK, 5, 1, 4, FOREVER, 0)
    engine.limit(4, 204, ASK, 6, 1, 4, FOREVER, 0)
    engine.limit(9, 300, BID, 6, 1, 6, FOREVER, 0)
    expect(fills).toEqual([
      [3, 9, 4, 20],
      [4, 9, 2, 12],
    ])
    expect(engine.depth(ASK).map((l) => l.orders)).toEqual([[1, 2], [4]])
    // Another trader takes them in time order.
    engine.limit(10, 400, BID, 5, 1, 8, FOREVER, 0)
    expect(fills.slice(2)).toEqual([
      [1, 10, 4, 20],
      [2, 10, 4, 20],
    ])
  })

  it('cancels in O(1) by handle and id, refusing stale handles', () => {
    const { engine, fills } = engineWithLog()
    engine.limit(1, 1, ASK, 10, 1, 5, FOREVER, 0)
    const h1 = engine.restedHandle()
    engine.limit(2, 2, ASK, 10, 1, 5, FOREVER, 0)
    const h2 = engine.restedHandle()
    expect(engine.cancel(h1, 2)).toBe(false)
    expect(engine.cancel(h1, 1)).toBe(true)
    expect(engine.cancel(h1, 1)).toBe(false)
    expect(engine.remaining(h2, 2)).toBe(5)
    expect(engine.size()).toBe(1)
    engine.limit(3, 3, BID, 10, 1, 5, FOREVER, 0)
    expect(fills).toEqual([[2, 3, 5, 50]])
    expect(engine.size()).toBe(0)
    expect(engine.depth(ASK)).toEqual([])
    // The freed slots are reused; the old handle does not reach the new order.
    engine.limit(4, 4, ASK, 10, 1, 5, FOREVER, 0)
    expect(engine.cancel(h1, 1)).toBe(false)
    expect(engine.cancel(h2, 2)).toBe(false)
    expect(engine.size()).toBe(1)
  })

  it('removes expired orders when met and on expire()', () => {
    const { engine, fills, expired } = engineWithLog()
    engine.limit(1, 1, ASK, 10, 1, 5, 1000, 0)
    engine.limit(2, 2, ASK, 10, 1, 5, 5000, 0)
    engine.limit(3, 3, ASK, 11, 1, 5, 1500, 0)
    engine.limit(4, 4, BID, 10, 1, 3, FOREVER, 2000)
    expect(fills).toEqual([[2, 4, 3, 30]])
    expect(expired).toEqual([1])
    expect(engine.expire(2000)).toBe(1)
    expect(expired).toEqual([1, 3])
    expect(engine.size()).toBe(1)
  })

  it('prices a fill at the maker, rounded in its favour, never beyond the taker limit', () => {
    const { engine, fills } = engineWithLog()
    // Maker sells 3 bytes for 10 sat (3.33 sat/byte). A taker buying 1 byte at 4 sat/byte pays ceil(10/3) = 4.
    engine.limit(1, 1, ASK, 10, 3, 3, FOREVER, 0)
    engine.limit(2, 2, BID, 4, 1, 1, FOREVER, 0)
    expect(fills).toEqual([[1, 2, 1, 4]])
    // A taker at exactly the maker's price cannot pay 4 for 1 byte (limit 3.33): no fill, it rests.
    const left = engine.limit(3, 3, BID, 10, 3, 1, FOREVER, 0)
    expect(left).toBe(1)
    expect(fills).toHaveLength(1)
    // Maker buys 3 bytes for 10 sat; a seller of 1 byte at 3 sat/byte receives floor(10/3) = 3.
    const { engine: e2, fills: f2 } = engineWithLog()
    e2.limit(1, 1, BID, 10, 3, 3, FOREVER, 0)
    e2.limit(2, 2, ASK, 3, 1, 2, FOREVER, 0)
    expect(f2).toEqual([[1, 2, 2, 6]])
    // A seller asking 3.5 sat/byte (7 for 2) cannot be paid floor(10/3)=3 for a byte: it rests.
    expect(e2.limit(3, 3, ASK, 7, 2, 1, FOREVER, 0)).toBe(1)
    expect(f2).toHaveLength(1)
  })

  it('compares huge prices exactly (products beyond 2^53)', () => {
    const { engine, fills } = engineWithLog()
    const bytes = 2 ** 40
    const sats = 2 ** 51
    engine.limit(1, 1, ASK, sats + 1, bytes, bytes, FOREVER, 0)
    // One satoshi less over 2^40 bytes: a price a hair below the ask, which doubles cannot see.
    expect(engine.limit(2, 2, BID, sats, bytes, bytes, FOREVER, 0)).toBe(bytes)
    expect(fills).toEqual([])
    expect(engine.limit(3, 3, BID, sats + 1, bytes, bytes, FOREVER, 0)).toBe(0)
    expect(fills).toEqual([[1, 3, bytes, sats + 1]])
    // Cross products 2^54 − 1 against 2^54, equal as doubles: the bid is below the ask by a hair.
    const a = 2 ** 27
    const fresh = engineWithLog()
    fresh.engine.limit(4, 4, ASK, a, a - 1, a - 1, FOREVER, 0)
    expect(fresh.engine.limit(5, 5, BID, a + 1, a, a - 1, FOREVER, 0)).toBe(a - 1)
    expect(fresh.fills).toEqual([])
    expect(fresh.engine.depth(BID)).toHaveLength(1)
  })
})

/** The naive reference matcher (ALGORITHMS.md §10 `match()` read literally), in bigint. */
interface RefOrder {
  id: number
  trader: number
  side: Side
  sats: bigint
  bytes: bigint
  left: bigint
  seq: number
  expiresAt: number
}
function createReference(isBlocked: (m: number, t: number) => boolean): {
  limit(o: Omit<RefOrder, 'left' | 'seq'>, quantity: bigint, nowMs: number): FillRow[]
  cancel(id: number): void
  expire(nowMs: number): void
  depth(side: Side): number[][]
} {
  let book: RefOrder[] = []
  let seq = 0
  const cmp = (a: RefOrder, b: { sats: bigint; bytes: bigint }): bigint => a.sats * b.bytes - b.sats * a.bytes
  return {
    limit(o, quantity, nowMs) {
      const fills: FillRow[] = []
      book = book.filter((r) => r.expiresAt >= nowMs)
      const buying = o.side === BID
      const candidates = book
        .filter((r) => r.side !== o.side && (buying ? cmp(r, o) <= 0n : cmp(r, o) >= 0n))
        .sort((a, b) => {
          const c = cmp(a, b)
          if (c !== 0n) return (buying ? c < 0n : c > 0n) ? -1 : 1
          return a.seq - b.seq
        })
      let want = quantity
      for (const m of candidates) {
        if (want === 0n) break
        if (m.trader === o.trader || isBlocked(m.trader, o.trader)) continue
        const fill = want < m.left ? want : m.left
        const n = fill * m.sats
        let paid = n / m.bytes
        if (buying && paid * m.bytes !== n) paid += 1n
        if (buying ? paid * o.bytes > fill * o.sats : paid * o.bytes < fill * o.sats) continue
        m.left -= fill
        want -= fill
        fills.push([m.id, o.id, Number(fill), Number(paid)])
      }
      book = book.filter((r) => r.left > 0n)
      if (want > 0n) book.push({ ...o, left: want, seq: seq++ })
      return fills
    },
    cancel(id) {
      book = book.filter((r) => r.id !== id)
    },
    expire(nowMs) {
      book = book.filter((r) => r.expiresAt >= nowMs)
    },
    depth(side) {
      return book
        .filter((r) => r.side === side)
        .sort((a, b) => {
          const c = cmp(a, b)
          if (c !== 0n) return (side === BID ? c > 0n : c < 0n) ? -1 : 1
          return a.seq - b.seq
        })
        .map((r) => [r.id, Number(r.left)])
    },
  }
}

const opArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('limit' as const),
      trader: fc.integer({ min: 1, max: 6 }),
      side: fc.constantFrom<Side>(ASK, BID),
      sats: fc.integer({ min: 1, max: 40 }),
      bytes: fc.integer({ min: 1, max: 8 }),
      quantity: fc.integer({ min: 1, max: 30 }),
      life: fc.integer({ min: 1, max: 60 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), back: fc.nat(20) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 20 }) }),
  },
)

/** Runs a random stream through the engine and the reference; fills and final books must agree. */
type Op =
  | { kind: 'limit'; trader: number; side: Side; sats: number; bytes: number; quantity: number; life: number }
  | { kind: 'cancel'; back: number }
  | { kind: 'tick'; ms: number }

function agreesWithReference(ops: readonly Op[]): void {
  const blocked = (m: number, t: number): boolean => (m * 7 + t) % 11 === 0
  const { engine, fills } = engineWithLog(blocked)
  const ref = createReference(blocked)
  const handles = new Map<number, number>()
  let now = 0
  let id = 0
  for (const op of ops) {
    if (op.kind === 'tick') now += op.ms
    else if (op.kind === 'cancel') {
      const target = id - 1 - op.back
      if (target < 0) continue
      engine.cancel(handles.get(target) ?? -1, target)
      ref.cancel(target)
    } else {
      id++
      const expiresAt = now + op.life
      const before = fills.length
      engine.limit(id, op.trader, op.side, op.sats, op.bytes, op.quantity, expiresAt, now)
      handles.set(id, engine.restedHandle())
      const want = ref.limit(
        { id, trader: op.trader, side: op.side, sats: BigInt(op.sats), bytes: BigInt(op.bytes), expiresAt },
        BigInt(op.quantity),
        now,
      )
      expect(fills.slice(before)).toEqual(want)
    }
  }
  engine.expire(now)
  ref.expire(now)
  for (const side of [ASK, BID] as const) {
    const mine = engine
      .depth(side)
      .flatMap((l) => l.orders.map((o) => [o, engine.remaining(handles.get(o) ?? -1, o)]))
    expect(mine).toEqual(ref.depth(side))
  }
}

/** Orders of up to 2^40 bytes for about 2^50 sat: prices a hair apart, products far beyond 2^53. */
const bigOpArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('limit' as const),
      trader: fc.integer({ min: 1, max: 6 }),
      side: fc.constantFrom<Side>(ASK, BID),
      sats: fc.integer({ min: 2 ** 50 - 300, max: 2 ** 50 + 300 }),
      bytes: fc.integer({ min: 2 ** 40 - 300, max: 2 ** 40 }),
      quantity: fc.integer({ min: 2 ** 38, max: 2 ** 38 + 5 }),
      life: fc.integer({ min: 1, max: 60 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), back: fc.nat(20) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 20 }) }),
  },
)

describe('matching engine against the naive reference', () => {
  it('emits identical fills and leaves an identical book on random streams', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 120 }), agreesWithReference), { numRuns: 400 })
  })

  it('agrees with it on amounts whose products exceed 2^53 (bigint fallback)', () => {
    fc.assert(fc.property(fc.array(bigOpArb, { maxLength: 80 }), agreesWithReference), { numRuns: 200 })
  })
})
