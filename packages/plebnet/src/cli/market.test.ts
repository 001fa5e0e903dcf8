import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, type CliIo } from '@dolly/base'
import { formatJournalEntry, type TradeTerms } from '@dolly/market'
import { afterEach, describe, expect, it } from 'vitest'
import { handleStatusRequest, publicStatusOf, type AgentStatus } from '../daemon/status.ts'
import {
  marketBookOf,
  marketTradesOf,
  type MarketStatus,
  type MarketStatusSource,
} from '../market/market-status.ts'
import { PLEBNET_CLI_EXIT_STATUS } from './exit-status.ts'
import { buildPlebnetProgram } from './program.ts'

const MB = 1n << 20n
const NOW = Date.UTC(2027, 0, 10, 12)
const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

const market: MarketStatus = {
  mbBalanceBytes: String(300n * MB),
  orders: [
    {
      number: 1,
      side: 'ask',
      mbBytes: String(100n * MB),
      sats: '5000',
      priceSatPerMb: '50.00',
      filledBytes: String(40n * MB),
      expiresAtMs: NOW + 3_600_000,
    },
    {
      number: 2_147_483_649,
      side: 'bid',
      mbBytes: String(MB / 2n),
      sats: '7',
      priceSatPerMb: '14.00',
      filledBytes: '0',
      expiresAtMs: NOW + 60_000,
    },
  ],
  lastTrade: { priceSatPerMb: '50.00', timeMs: NOW },
  settlement: {
    open: 1,
    completed: 2,
    aborted: 1,
    satsReceived: '2000',
    satsPaid: '0',
    mbSoldBytes: String(40n * MB),
    mbBoughtBytes: '0',
  },
  matchmaker: { bids: 1, asks: 1, accepted: 3, refused: 0, matches: 1, dropped: 0 },
}

const status: AgentStatus = {
  format: 'dolly-status',
  version: 1,
  publicKey: 'c'.repeat(64),
  tree: 'genesis',
  parentTree: null,
  parentPublicKey: null,
  hostIp: '127.0.0.1',
  genome: null,
  testnet: true,
  exitNode: false,
  softwareVersion: '0.1.0',
  startedAtMs: 1000,
  heartbeatAtMs: 5000,
  heartbeats: 2,
  market,
}

const resting = [
  {
    id: `${A}:1`,
    trader: A,
    side: 'ask' as const,
    mbBytes: 100n * MB,
    sats: 5_000n,
    remaining: 60n * MB,
    expiresAtMs: NOW + 3_600_000,
  },
  {
    id: `${A}:3`,
    trader: A,
    side: 'ask' as const,
    mbBytes: 3n * MB,
    sats: 200n,
    remaining: 3n * MB,
    expiresAtMs: NOW + 3_600_000,
  },
  {
    id: `${B}:9`,
    trader: B,
    side: 'bid' as const,
    mbBytes: 1_234n * MB,
    sats: 12_340n,
    remaining: 1_000n * MB,
    expiresAtMs: NOW + 60_000,
  },
]
const history = [
  { timeMs: NOW - 60_000, mbBytes: 2n * MB, sats: 90n },
  { timeMs: NOW, mbBytes: 40n * MB, sats: 2_000n },
]
/** A matchmaker's view over fixed orders and trades, as market/adapters/market-view.ts builds it. */
const source: MarketStatusSource = {
  status: () => market,
  book: (limit) =>
    marketBookOf(
      { asks: resting.filter((o) => o.side === 'ask'), bids: resting.filter((o) => o.side === 'bid') },
      limit,
    ),
  trades: (limit) => marketTradesOf(history, limit),
}

const servers: Server[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

/**
 * A daemon's status API on a free loopback port: the real handler over `doc` and `view`, the caller
 * authorized unless `publicOnly`; returns `--host`'s value and the request paths seen.
 */
async function daemon(
  doc: AgentStatus | Record<string, unknown>,
  view: MarketStatusSource | undefined,
  opts: { publicOnly?: boolean; raw?: (path: string) => { status: number; body: string } | undefined } = {},
) {
  const paths: string[] = []
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    const raw = opts.raw?.(req.url ?? '')
    if (raw !== undefined) {
      res.writeHead(raw.status).end(raw.body)
      return
    }
    const authorized = opts.publicOnly !== true
    const full = doc as AgentStatus
    const r =
      req.url === '/status' && !authorized
        ? { status: 200, body: publicStatusOf(full) }
        : handleStatusRequest(
            { method: req.method ?? 'GET', path: req.url ?? '/', authorized },
            full,
            NOW,
            view,
          )
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body))
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, paths }
}

async function run(args: string[], home?: string) {
  if (home === undefined) {
    home = await mkdtemp(join(tmpdir(), 'dolly-market-cli-'))
    dirs.push(home)
  }
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) }
  const program = buildPlebnetProgram(io, { home })
  const code = await runCli(program, args, io, PLEBNET_CLI_EXIT_STATUS)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('plebnet market (issue 17)', () => {
  it('book: an aligned table of asks then bids, and --json an array with decimal strings; --limit reaches the daemon', async () => {
    const d = await daemon(status, source)
    const human = await run(['market', 'book', '--host', d.host])
    expect(human.code).toBe(0)
    const lines = human.out.split('\n')
    expect(lines).toEqual([
      'side  price sat/MB       MB   sats  remaining MB  trader             expires',
      `ask          50.00   100.00   5000         60.00  ${A.slice(0, 16)}…  ${new Date(NOW + 3_600_000).toISOString()}`,
      `ask          66.67     3.00    200          3.00  ${A.slice(0, 16)}…  ${new Date(NOW + 3_600_000).toISOString()}`,
      `bid          10.00  1234.00  12340       1000.00  ${B.slice(0, 16)}…  ${new Date(NOW + 60_000).toISOString()}`,
    ])
    expect(d.paths).toEqual(['/market/book?limit=20'])

    const json = await run(['market', 'book', '--host', d.host, '--json', '--limit', '1'])
    expect(json.code).toBe(0)
    expect(d.paths.at(-1)).toBe('/market/book?limit=1')
    expect(JSON.parse(json.out)).toEqual([
      {
        side: 'ask',
        id: `${A}:1`,
        trader: A,
        priceSatPerMb: '50.00',
        mbBytes: String(100n * MB),
        sats: '5000',
        remainingBytes: String(60n * MB),
        expiresAtMs: NOW + 3_600_000,
      },
      expect.objectContaining({ side: 'bid', id: `${B}:9`, remainingBytes: String(1_000n * MB) }),
    ])
    const empty = await daemon(status, { ...source, book: (l) => marketBookOf({ asks: [], bids: [] }, l) })
    expect((await run(['market', 'book', '--host', empty.host])).out).toBe('the book is empty')
  })

  it("orders: the agent's open orders from its status document, human and --json", async () => {
    const d = await daemon(status, source)
    const human = await run(['market', 'orders', '--host', d.host])
    expect(human.code).toBe(0)
    expect(human.out.split('\n')).toEqual([
      '    number  side  price sat/MB      MB  sats  filled MB  remaining MB  expires',
      `         1  ask          50.00  100.00  5000      40.00         60.00  ${new Date(NOW + 3_600_000).toISOString()}`,
      `2147483649  bid          14.00    0.50     7       0.00          0.50  ${new Date(NOW + 60_000).toISOString()}`,
    ])
    expect(d.paths).toEqual(['/status'])
    const json = await run(['market', 'orders', '--host', d.host, '--json'])
    expect(JSON.parse(json.out)).toEqual(market.orders)
    const none = await daemon({ ...status, market: { ...market, orders: [] } }, source)
    expect((await run(['market', 'orders', '--host', none.host])).out).toBe('no open orders')
  })

  it("trades: the matchmaker's latest trades, oldest first, human and --json", async () => {
    const d = await daemon(status, source)
    const human = await run(['market', 'trades', '--host', d.host])
    expect(human.code).toBe(0)
    expect(human.out.split('\n')).toEqual([
      'time                      price sat/MB     MB  sats',
      `${new Date(NOW - 60_000).toISOString()}         45.00   2.00    90`,
      `${new Date(NOW).toISOString()}         50.00  40.00  2000`,
    ])
    const json = await run(['market', 'trades', '--host', d.host, '--json', '--limit', '1'])
    expect(d.paths).toEqual(['/market/trades?limit=20', '/market/trades?limit=1'])
    expect(JSON.parse(json.out)).toEqual([
      { timeMs: NOW, priceSatPerMb: '50.00', mbBytes: String(40n * MB), sats: '2000' },
    ])
    const none = await daemon(status, { ...source, trades: (l) => marketTradesOf([], l) })
    expect((await run(['market', 'trades', '--host', none.host])).out).toBe('no trades yet')
  })

  it('says with a code when no daemon answers, the market is off, the status is public only, or the answer is not a market document', async () => {
    // Nothing listens.
    const gone = await daemon(status, source)
    const server = servers.pop()
    server?.closeAllConnections()
    await new Promise((r) => server?.close(r))
    for (const sub of ['book', 'orders', 'trades']) {
      const r = await run(['market', sub, '--host', gone.host])
      expect(r.code, sub).toBe(1)
      expect(r.err, sub).toContain('REPLICATION_HEARTBEAT_TIMEOUT')
    }
    // A daemon without a market: no block, no view.
    const { market: _m, ...plain } = status
    const off = await daemon(plain, undefined)
    for (const sub of ['book', 'orders', 'trades']) {
      const r = await run(['market', sub, '--host', off.host])
      expect(r.code, sub).toBe(1)
      expect(r.err, sub).toContain('MARKET_VIEW_DISABLED')
      expect(r.err, sub).toContain('[market] enabled')
    }
    const offJson = await run(['market', 'orders', '--host', off.host, '--json'])
    expect(offJson.code).toBe(1)
    expect(JSON.parse(offJson.out)).toMatchObject({ error: { code: 'MARKET_VIEW_DISABLED' } })
    // A remote daemon that shows us only its public status.
    const stranger = await daemon(status, source, { publicOnly: true })
    for (const sub of ['book', 'orders', 'trades']) {
      const r = await run(['market', sub, '--host', stranger.host])
      expect(r.code, sub).toBe(1)
      expect(r.err, sub).toContain('MARKET_VIEW_UNAUTHORIZED')
    }
    // Not a market document, or an older daemon without the queries.
    const odd = await daemon(status, source, {
      raw: (path) =>
        path.startsWith('/market/book')
          ? {
              status: 200,
              body: JSON.stringify({ format: 'dolly-market-book', asks: [{ side: 'ask' }], bids: [] }),
            }
          : path.startsWith('/market/trades')
            ? { status: 404, body: JSON.stringify({ error: 'no such endpoint' }) }
            : undefined,
    })
    const book = await run(['market', 'book', '--host', odd.host])
    expect(book.code).toBe(1)
    expect(book.err).toContain('MARKET_VIEW_MALFORMED')
    expect(book.err).toContain('asks.0')
    const trades = await run(['market', 'trades', '--host', odd.host])
    expect(trades.err).toContain('MARKET_VIEW_MALFORMED')
    expect(trades.err).toContain('HTTP 404')
    // Bad usage exits 2 before asking anyone.
    for (const limit of ['-1', '1001', 'x', '1.5']) {
      const r = await run(['market', 'trades', '--host', odd.host, '--limit', limit])
      expect(r.code, limit).toBe(2)
      expect(r.err).toContain(`--limit ${limit}`)
    }
    expect((await run(['market', 'book', '--host', 'not an ip'])).code).toBe(2)
  })

  it('documents each subcommand', async () => {
    const group = await run(['market', '--help'])
    expect(group.code).toBe(0)
    expect(group.out).toContain('book')
    expect(group.out).toContain('orders')
    expect(group.out).toContain('trades')
    const book = await run(['market', 'book', '--help'])
    expect(book.out).toContain('Usage: plebnet market book [options]')
    expect(book.out).toContain('--limit <n>')
    expect(book.out).toContain('sat/MB')
    expect(book.out).toContain('--json')
    expect((await run(['market', 'orders', '--help'])).out).toContain('--host <ip[:port]>')
    expect((await run(['market', 'trades', '--help'])).out).toContain('oldest first')
  })

  it('`plebnet status` prints a market section from the block', async () => {
    const d = await daemon(status, source)
    const r = await run(['status', '--host', d.host])
    expect(r.code).toBe(0)
    expect(r.out).toContain(
      'market: 300.00 MB, BTC unknown until the first tick; 2 open order(s): ask #1 100.00 MB at 50.00 sat/MB (40.00 MB filled), bid #2147483649 0.50 MB at 14.00 sat/MB (0.00 MB filled); last price 50.00 sat/MB',
    )
    expect(r.out).toContain(
      '  trades: 2 completed, 1 open, 1 aborted; received 2000 sats for 40.00 MB sold, paid 0 sats for 0.00 MB bought',
    )
    expect(r.out).toContain(
      '  matchmaker: book 1 bid(s), 1 ask(s); 1 match(es); orders accepted 3, refused 0',
    )
    const json = await run(['status', '--host', d.host, '--json'])
    expect(JSON.parse(json.out).market).toEqual(market)
  })

  it('audit: a home without trades is clean; a transfer ref the ledger does not hold is a mismatch (exit 1)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'dolly-market-audit-'))
    dirs.push(home)
    const empty = await run(['market', 'audit'], home)
    expect(empty).toMatchObject({ code: 0, out: 'no trades' })
    expect(JSON.parse((await run(['market', 'audit', '--json'], home)).out)).toEqual([])
    // We (this home's new identity) bought MB from B; the journal counts a transfer our ledger lacks.
    const me = JSON.parse((await run(['ledger', 'balance', '--json'], home)).out) as { publicKey: string }
    const terms: TradeTerms = {
      tradeId: 'T9',
      proposer: me.publicKey,
      responder: B,
      mbSeller: 'responder',
      mbBytes: 10n * MB,
      sats: 1_000n,
      mbMinUnit: MB,
      satsMinUnit: 600n,
    }
    const lines = [
      formatJournalEntry({ kind: 'offered', terms, atMs: NOW }),
      formatJournalEntry({ kind: 'open', terms, acceptedBy: 'peer', zeroConfSats: 0n, atMs: NOW }),
      formatJournalEntry({
        kind: 'received',
        tradeId: 'T9',
        n: 1,
        amount: MB,
        ref: 'block:7',
        zeroConf: false,
      }),
    ]
    // The last line is torn (no newline yet): the audit reads complete lines only.
    await writeFile(join(home, 'trades.jsonl'), `${lines.join('\n')}\n{"kind":"clo`)
    const bad = await run(['market', 'audit'], home)
    expect(bad.code).toBe(1)
    expect(bad.out.split('\n')).toEqual([
      'trade  side       outcome  MB terms  MB ledger  sats terms  sats chain  check',
      'T9     bought MB  open        10.00       0.00        1000           0  1 problems',
      '  T9: MB ref block:7: no transfer to the payee in the ledger',
      '1 trades: 0 completed, 0 aborted, 1 open; 1 problems',
    ])
    expect(bad.err).toContain('SETTLEMENT_AUDIT_MISMATCH')
    const json = await run(['market', 'audit', '--json'], home)
    expect(json.code).toBe(1)
    const doc = JSON.parse(json.out) as { error: { code: string; details: { trades: unknown } } }
    expect(doc.error.code).toBe('SETTLEMENT_AUDIT_MISMATCH')
    expect(doc.error.details.trades).toEqual([
      {
        tradeId: 'T9',
        role: 'btc',
        counterparty: B,
        outcome: 'open',
        termsMbBytes: String(10n * MB),
        termsSats: '1000',
        journalMbBytes: String(MB),
        ledgerMbBytes: '0',
        journalSats: '0',
        chainSats: '0',
        problems: ['MB ref block:7: no transfer to the payee in the ledger'],
      },
    ])
  })
})
