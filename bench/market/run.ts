// Market matching-engine benchmark (issue 17): limit orders per second through @dolly/market's
// engine, hft-limit-order-book and nodejs-order-book, side by side in one process on one seeded
// stream, with the trade lists compared fill by fill. Goals: ≥ 5× the best library and ≥ 2 M orders/s.
// Run: npm run bench:market [-- --orders 1000000 --rounds 5 --seed 17 --json]
//
// The stream: `--orders` limit orders (default 1 000 000), each with its own trader, side 50/50,
// integer size 1..100 and integer price around a mid of 10 000: half of them are marketable
// (a bid priced 1..50 above the mid, an ask 1..50 below: they cross whatever rests near the mid),
// half rest (a bid 1..50 below the mid, an ask 1..50 above). The share that actually traded is
// measured and printed. Our engine sees the price as the exact ratio `price / 1` and the size as
// bytes, so a fill's satoshis are size · price, the same numbers the libraries compute.
//
// Timing: every engine runs once on a warm-up prefix (JIT), then `--rounds` times on the whole
// stream with a fresh book, the engines' order rotating each round; the median round is reported,
// as orders per CPU-second of this process (user + system) and per wall second. Each run records
// its fills (maker, taker, size, price) into typed arrays; the libraries report fills as orders
// (`done`: filled makers with the size they had left, then `partial`: the last maker when it was
// only partly filled, `partialQuantityProcessed` its fill) — the taker itself appears there too
// and is skipped. The lists of all three must be identical in content and order.
import { performance } from 'node:perf_hooks'
import { OrderBook as HftOrderBook } from 'hft-limit-order-book'
import { OrderBook as NodeOrderBook } from 'nodejs-order-book'
import { createSeededRng } from '@dolly/base'
import { ASK, BID, createMatchingEngine } from '@dolly/market'

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name)
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback
}
const ORDERS = Number(arg('--orders', '1000000'))
const ROUNDS = Number(arg('--rounds', '5'))
const SEED = arg('--seed', '17')
const JSON_OUT = process.argv.includes('--json')
if (!Number.isSafeInteger(ORDERS) || ORDERS < 1000 || !Number.isSafeInteger(ROUNDS) || ROUNDS < 1)
  throw new Error('--orders must be an integer ≥ 1000 and --rounds a positive integer')
const GOAL_RATIO = 5
const GOAL_RATE = 2_000_000
const MID = 10_000

/** The stream, generated once. */
const side = new Uint8Array(ORDERS)
const price = new Int32Array(ORDERS)
const size = new Int32Array(ORDERS)
const ids: string[] = new Array<string>(ORDERS)
let pricedMarketable = 0
{
  const rng = createSeededRng(`bench-market-${SEED}`)
  for (let i = 0; i < ORDERS; i++) {
    const buy = rng.int(2) === 1
    const marketable = rng.int(2) === 1
    const offset = 1 + rng.int(50)
    if (marketable) pricedMarketable++
    side[i] = buy ? BID : ASK
    price[i] = buy === marketable ? MID + offset : MID - offset
    size[i] = 1 + rng.int(100)
    ids[i] = String(i)
  }
}

/** A growable list of fills in typed arrays. */
class Fills {
  n = 0
  maker: Int32Array = new Int32Array(1 << 20)
  taker: Int32Array = new Int32Array(1 << 20)
  qty: Int32Array = new Int32Array(1 << 20)
  px: Int32Array = new Int32Array(1 << 20)
  takers = 0
  push(maker: number, taker: number, qty: number, px: number): void {
    if (this.n === this.maker.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2)
        b.set(a)
        return b
      }
      this.maker = grow(this.maker)
      this.taker = grow(this.taker)
      this.qty = grow(this.qty)
      this.px = grow(this.px)
    }
    this.maker[this.n] = maker
    this.taker[this.n] = taker
    this.qty[this.n] = qty
    this.px[this.n] = px
    this.n++
  }
}

/** Engines under test: each runs the first `count` orders of the stream on a fresh book. */
type Engine = (count: number, fills: Fills) => void

const ours: Engine = (count, fills) => {
  let inexact = 0
  const engine = createMatchingEngine({
    onFill(maker, taker, bytes, sats) {
      const px = sats / bytes
      if (!Number.isInteger(px)) inexact++
      fills.push(maker, taker, bytes, px)
    },
  })
  const inf = Number.POSITIVE_INFINITY
  for (let i = 0; i < count; i++) {
    const q = size[i] as number
    const before = fills.n
    engine.limit(i, i, side[i] === BID ? BID : ASK, price[i] as number, 1, q, inf, 0)
    if (fills.n > before) fills.takers++
  }
  if (inexact > 0) throw new Error(`${inexact} fills of ours had a non-integer price`)
}

interface LibOrder {
  readonly id: string
  readonly size: number
  readonly price: number
}
interface LibResult {
  readonly done: readonly LibOrder[]
  readonly partial: LibOrder | null
  readonly partialQuantityProcessed: number
  readonly err: unknown
}
interface LibBook {
  limit(options: { side: 'buy' | 'sell'; id: string; size: number; price: number }): LibResult
}

const library =
  (make: () => LibBook): Engine =>
  (count, fills) => {
    const book = make()
    for (let i = 0; i < count; i++) {
      const id = ids[i] as string
      const r = book.limit({
        side: side[i] === BID ? 'buy' : 'sell',
        id,
        size: size[i] as number,
        price: price[i] as number,
      })
      if (r.err !== null && r.err !== undefined) throw new Error(`order ${i}: ${String(r.err)}`)
      const before = fills.n
      for (const d of r.done) if (d.id !== id) fills.push(Number(d.id), i, d.size, d.price)
      const p = r.partial
      if (p !== null && p.id !== id) fills.push(Number(p.id), i, r.partialQuantityProcessed, p.price)
      if (fills.n > before) fills.takers++
    }
  }

const engines: { readonly name: string; readonly run: Engine }[] = [
  { name: '@dolly/market', run: ours },
  { name: 'hft-limit-order-book', run: library(() => new HftOrderBook() as unknown as LibBook) },
  { name: 'nodejs-order-book', run: library(() => new NodeOrderBook() as unknown as LibBook) },
]

interface Run {
  readonly cpuRate: number
  readonly wallRate: number
  readonly fills: Fills
}

function measure(engine: Engine, count: number): Run {
  const fills = new Fills()
  const cpu0 = process.cpuUsage()
  const wall0 = performance.now()
  engine(count, fills)
  const wall = (performance.now() - wall0) / 1000
  const cpu = process.cpuUsage(cpu0)
  return { cpuRate: count / ((cpu.user + cpu.system) / 1e6), wallRate: count / wall, fills }
}

/** Index of the first fill where `b` differs from `a`, or -1 when they are identical. */
function firstDifference(a: Fills, b: Fills): number {
  const n = Math.min(a.n, b.n)
  for (let i = 0; i < n; i++)
    if (
      a.maker[i] !== b.maker[i] ||
      a.taker[i] !== b.taker[i] ||
      a.qty[i] !== b.qty[i] ||
      a.px[i] !== b.px[i]
    )
      return i
  return a.n === b.n ? -1 : n
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
}
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

const warm = Math.min(ORDERS, 200_000)
for (const e of engines) measure(e.run, warm)

const cpu: number[][] = engines.map(() => [])
const wall: number[][] = engines.map(() => [])
const lists: (Fills | undefined)[] = engines.map(() => undefined)
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < engines.length; k++) {
    const at = (k + round) % engines.length
    const e = engines[at]
    if (e === undefined) continue
    const r = measure(e.run, ORDERS)
    cpu[at]?.push(r.cpuRate)
    wall[at]?.push(r.wallRate)
    lists[at] ??= r.fills
  }
}

const reference = lists[0] as Fills
const rows = engines.map((e, i) => {
  const list = lists[i] as Fills
  const diff = firstDifference(reference, list)
  return {
    name: e.name,
    ordersPerCpuSecond: Math.round(median(cpu[i] ?? [])),
    ordersPerWallSecond: Math.round(median(wall[i] ?? [])),
    fills: list.n,
    identicalFills: diff === -1,
    ...(diff === -1 ? {} : { firstDifferentFill: diff }),
  }
})
const [mine, ...libs] = rows
if (mine === undefined) throw new Error('no engine ran')
const best = Math.max(...libs.map((r) => r.ordersPerCpuSecond))
const ratio = mine.ordersPerCpuSecond / best
const identical = rows.every((r) => r.identicalFills)
const result = {
  node: process.version,
  orders: ORDERS,
  rounds: ROUNDS,
  seed: SEED,
  pricedMarketableShare: Number((pricedMarketable / ORDERS).toFixed(4)),
  tradedOnArrivalShare: Number((reference.takers / ORDERS).toFixed(4)),
  fills: reference.n,
  engines: rows,
  ratioToBestLibrary: Number(ratio.toFixed(2)),
  identicalFills: identical,
  goals: {
    ratio: { goal: GOAL_RATIO, pass: ratio >= GOAL_RATIO },
    rate: { goal: GOAL_RATE, pass: mine.ordersPerCpuSecond >= GOAL_RATE },
  },
}
if (JSON_OUT) console.log(JSON.stringify(result))
else {
  console.log(
    `${fmt(ORDERS)} limit orders (seed ${SEED}), ${(result.pricedMarketableShare * 100).toFixed(1)} % priced marketable, ${(result.tradedOnArrivalShare * 100).toFixed(1)} % traded on arrival, ${fmt(reference.n)} fills; median of ${ROUNDS} rounds, orders per CPU-second (wall):`,
  )
  for (const r of rows)
    console.log(
      `  ${r.name.padEnd(22)} ${fmt(r.ordersPerCpuSecond).padStart(11)} /s (${fmt(r.ordersPerWallSecond)} /s wall)  fills ${r.identicalFills ? 'identical' : `DIFFER at #${r.firstDifferentFill}`}`,
    )
  console.log(
    `  ratio to the best library ${ratio.toFixed(2)}×: ${result.goals.ratio.pass ? 'PASS' : 'MISS'} (goal ≥ ${GOAL_RATIO}×); ${fmt(mine.ordersPerCpuSecond)} orders/s: ${result.goals.rate.pass ? 'PASS' : 'MISS'} (goal ≥ ${fmt(GOAL_RATE)})`,
  )
}
if (!identical) process.exitCode = 1
