// Trade protocol benchmark (issue 17): match → done of one trade between two in-process sides, each a
// real trade engine (@dolly/market createTradeEngine) with its own identity, signing and verifying
// every message, talking over loopback TCP (one persistent connection each way, 4-byte length-prefixed
// frames). MB and sats move through the in-memory settlement (ledger and chain stand-in); the sats of
// every trade stay inside the 0-conf allowance, so no confirmation wait is in the numbers (they are
// excluded by the brief). Two journal rows: in memory, and the file journal (fsync per line) in a
// temp directory. Goal: median ≤ 100 ms.
// Run: npm run bench:trade [-- --trades 200 --json]
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import {
  bytesToHex,
  createSignatureVerifier,
  createSystemClock,
  identityFromSeed,
  type Identity,
} from '@dolly/base'
import {
  createFileTradeJournal,
  createMemorySettlement,
  createMemoryTradeJournal,
  createTradeEngine,
  paymentSchedule,
  TRADE_ENGINE_DEFAULTS,
  type TradeEngine,
  type TradeJournal,
  type TradeTerms,
  type TrustPolicy,
} from '@dolly/market'

const { values } = parseArgs({
  options: { trades: { type: 'string', default: '200' }, json: { type: 'boolean', default: false } },
})
const TRADES = Number(values.trades)

/** Frames a TCP stream: calls `onFrame` for each length-prefixed message. */
function framed(socket: Socket, onFrame: (bytes: Uint8Array) => void): void {
  let buf = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    for (;;) {
      if (buf.length < 4) return
      const len = buf.readUInt32BE(0)
      if (buf.length < 4 + len) return
      onFrame(new Uint8Array(buf.subarray(4, 4 + len)))
      buf = buf.subarray(4 + len)
    }
  })
}

function frame(bytes: Uint8Array): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(bytes.byteLength)
  return Buffer.concat([head, bytes])
}

const trust: TrustPolicy = {
  admit: () => Promise.resolve({ ok: true, zeroConfSats: 10_000_000n }),
  settled: () => undefined,
}

interface Side {
  readonly id: Identity
  readonly engine: TradeEngine
  readonly server: Server
  out: Socket | undefined
  readonly errors: unknown[]
}

async function side(
  id: Identity,
  journal: TradeJournal,
  settlement: ReturnType<typeof createMemorySettlement>,
): Promise<Side> {
  const key = bytesToHex(id.publicKey)
  const errors: unknown[] = []
  const s: Side = {
    id,
    errors,
    out: undefined,
    server: createServer((socket) => {
      socket.setNoDelay(true)
      framed(socket, (bytes) => {
        s.engine.receive(bytes).catch((err: unknown) => errors.push(err))
      })
    }),
    engine: createTradeEngine(
      {
        identity: id,
        verifier: createSignatureVerifier(),
        ledger: settlement.ledgerFor(key),
        payer: settlement.payerFor(key),
        trust,
        clock: createSystemClock(),
        journal,
        transport: { send: (_to, bytes) => s.out?.write(frame(bytes)) },
      },
      TRADE_ENGINE_DEFAULTS,
    ),
  }
  await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve))
  return s
}

async function link(from: Side, to: Side): Promise<void> {
  const address = to.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const socket = connect(address.port, '127.0.0.1')
  socket.setNoDelay(true)
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  from.out = socket
}

/** The trade's end, once the engine knows the trade (the responder learns of it from the wire). */
async function settled(engine: TradeEngine, tradeId: string): Promise<{ phase: string }> {
  for (let i = 0; i < 100_000 && engine.snapshot(tradeId) === undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve))
  }
  return engine.settled(tradeId)
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

async function run(
  label: string,
  journals: () => Promise<[TradeJournal, TradeJournal]>,
): Promise<Record<string, number | string>> {
  const settlement = createMemorySettlement()
  const alice = identityFromSeed(new Uint8Array(32).fill(11))
  const bob = identityFromSeed(new Uint8Array(32).fill(12))
  const [ja, jb] = await journals()
  const a = await side(alice, ja, settlement)
  const b = await side(bob, jb, settlement)
  await link(a, b)
  await link(b, a)
  const base: Omit<TradeTerms, 'tradeId'> = {
    proposer: bytesToHex(alice.publicKey),
    responder: bytesToHex(bob.publicKey),
    mbSeller: 'proposer',
    mbBytes: 1024n * 2n ** 20n, // 1 GiB of MB
    sats: 50_000n,
    mbMinUnit: 2n ** 20n,
    satsMinUnit: 500n,
  }
  settlement.fund(base.proposer, 'mb', base.mbBytes * BigInt(TRADES + 10))
  settlement.fund(base.responder, 'btc', base.sats * BigInt(TRADES + 10))
  const payments = paymentSchedule({
    first: { total: base.mbBytes, minUnit: base.mbMinUnit },
    second: { total: base.sats, minUnit: base.satsMinUnit },
  }).length
  const times: number[] = []
  for (let i = -10; i < TRADES; i++) {
    const tradeId = `bench-${label.replace(/[^A-Za-z0-9]/g, '')}-${i + 10}`
    const t0 = performance.now()
    await a.engine.propose({ ...base, tradeId })
    const [sa, sb] = await Promise.all([settled(a.engine, tradeId), settled(b.engine, tradeId)])
    const ms = performance.now() - t0
    if (sa.phase !== 'completed' || sb.phase !== 'completed')
      throw new Error(`trade ${tradeId}: ${sa.phase}/${sb.phase}`)
    if (i >= 0) times.push(ms) // the first 10 warm up
  }
  if (a.errors.length + b.errors.length > 0)
    throw new Error(`rejections: ${String(a.errors[0] ?? b.errors[0])}`)
  a.out?.destroy()
  b.out?.destroy()
  await Promise.all([a, b].map((s) => new Promise((resolve) => s.server.close(resolve))))
  times.sort((x, y) => x - y)
  return {
    journal: label,
    trades: times.length,
    payments,
    medianMs: Number(quantile(times, 0.5).toFixed(2)),
    p90Ms: Number(quantile(times, 0.9).toFixed(2)),
    maxMs: Number((times.at(-1) ?? Number.NaN).toFixed(2)),
  }
}

const dir = await mkdtemp(join(tmpdir(), 'bench-trade-'))
try {
  const rows = [
    await run('memory', () => Promise.resolve([createMemoryTradeJournal(), createMemoryTradeJournal()])),
    await run('file (fsync)', () =>
      Promise.resolve([
        createFileTradeJournal(join(dir, 'a.jsonl')),
        createFileTradeJournal(join(dir, 'b.jsonl')),
      ]),
    ),
  ]
  if (values.json) console.log(JSON.stringify(rows))
  else {
    console.log(
      'trade protocol, match → done, loopback TCP, 0-conf (no confirmation waits); goal: median ≤ 100 ms',
    )
    console.table(rows)
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
