import { emit, type CliIo } from '@dolly/base'
import { fetchDaemonJson, fetchStatus } from '../daemon/adapters/status-client.ts'
import { readStatusToken } from '../daemon/adapters/status-token.ts'
import { isFullStatus, parseListenAddress } from '../daemon/status.ts'
import { MarketViewError } from '../market/errors.ts'
import {
  MAX_MARKET_LIMIT,
  MarketBookSchema,
  MarketTradesSchema,
  type MarketBookEntry,
  type MarketStatus,
  type MarketTrades,
} from '../market/market-status.ts'
import { STATUS_PORT } from '../replication/constants.ts'
import { ReplicationError } from '../replication/errors.ts'

/**
 * The work of `plebnet market book | orders | trades` (cli/market.ts registers them): `orders` reads
 * the `market` block of the daemon's status document, `book` and `trades` its `GET /market/book` and
 * `GET /market/trades` (the local matchmaker's). Each answer is decoded strictly.
 */

/** Options every market command takes. */
interface MarketRunOptions {
  readonly home: string
  readonly host?: string
  readonly json?: boolean
}

/** `plebnet market book`: asks then bids, best first. */
export async function marketBook(
  io: CliIo,
  opts: MarketRunOptions & { readonly limit: string },
): Promise<void> {
  const limit = parseLimit(opts.limit)
  const daemon = await daemonOf(opts)
  const body = await query(daemon, `/market/book?limit=${limit}`)
  const book = MarketBookSchema.check(body)
  if (!book.ok) throw malformed(daemon.url, '/market/book', book.issues)
  const entries = [...book.value.asks, ...book.value.bids]
  emit(io, opts.json, entries, () => renderBook(book.value.asks, book.value.bids))
}

/** `plebnet market orders`: this agent's open orders. */
export async function marketOrders(io: CliIo, opts: MarketRunOptions): Promise<void> {
  const daemon = await daemonOf(opts)
  const status = await fetchStatus(daemon.url, daemon.token === undefined ? {} : { token: daemon.token })
  if (status === undefined) throw await noDaemon(daemon)
  if (!isFullStatus(status)) throw unauthorized(daemon.url)
  const market = status.market
  if (market === undefined)
    throw new MarketViewError(
      'MARKET_VIEW_DISABLED',
      `agent ${status.tree} runs no token market ([market] enabled = 1 in its config turns it on)`,
      { url: daemon.url },
    )
  emit(io, opts.json, market.orders, () => renderOrders(market.orders))
}

/** `plebnet market trades`: the local matchmaker's latest trades, oldest first. */
export async function marketTrades(
  io: CliIo,
  opts: MarketRunOptions & { readonly limit: string },
): Promise<void> {
  const limit = parseLimit(opts.limit)
  const daemon = await daemonOf(opts)
  const body = await query(daemon, `/market/trades?limit=${limit}`)
  const trades = MarketTradesSchema.check(body)
  if (!trades.ok) throw malformed(daemon.url, '/market/trades', trades.issues)
  emit(io, opts.json, trades.value.trades, () => renderTrades(trades.value.trades))
}

/** `--limit` as an integer in 0..MAX_MARKET_LIMIT. */
function parseLimit(text: string): number {
  const n = Number(text)
  if (!/^[0-9]{1,4}$/.test(text) || n > MAX_MARKET_LIMIT)
    throw new ReplicationError(
      'REPLICATION_USAGE',
      `--limit ${text} is not an integer in 0..${MAX_MARKET_LIMIT}`,
      {},
    )
  return n
}

interface Daemon {
  readonly url: string
  readonly token: string | undefined
  /** The agent's home, when the daemon read is this machine's (no `--host`). */
  readonly home: string | undefined
}

/** The status API to read (this machine's daemon, or `--host`) and the agent's token when we hold it. */
async function daemonOf(opts: MarketRunOptions): Promise<Daemon> {
  const target = parseListenAddress(opts.host ?? '127.0.0.1', STATUS_PORT)
  if (target === undefined || target.host === undefined)
    throw new ReplicationError('REPLICATION_USAGE', `--host ${opts.host ?? ''} is not IP[:port]`, {})
  const host = target.host.includes(':') ? `[${target.host}]` : target.host
  return {
    url: `http://${host}:${target.port}`,
    token: await readStatusToken(opts.home),
    home: opts.host === undefined ? opts.home : undefined,
  }
}

/** The JSON body of a 200 answer to `path`; the coded error of any other outcome. */
async function query(daemon: Daemon, path: string): Promise<unknown> {
  const answer = await fetchDaemonJson(
    daemon.url,
    path,
    daemon.token === undefined ? {} : { token: daemon.token },
  )
  if (answer === undefined) throw await noDaemon(daemon)
  if (answer.status === 200) return answer.body
  if (answer.status === 403) throw unauthorized(daemon.url)
  const code = (answer.body as { code?: unknown } | undefined)?.code
  if (answer.status === 404 && code === 'MARKET_VIEW_DISABLED')
    throw new MarketViewError(
      'MARKET_VIEW_DISABLED',
      `the agent at ${daemon.url} runs no token market or matchmaker ([market] enabled = 1 in its config turns it on)`,
      { url: daemon.url },
    )
  throw new MarketViewError(
    'MARKET_VIEW_MALFORMED',
    `${daemon.url}${path} answered HTTP ${answer.status}${answer.status === 404 ? ' (a daemon older than the market queries?)' : ''}`,
    { url: daemon.url, status: answer.status },
  )
}

/** REPLICATION_HEARTBEAT_TIMEOUT, as `plebnet status` says it: nothing answers. */
async function noDaemon(daemon: Daemon): Promise<ReplicationError> {
  // The record's schema (zod) loads only on this failure path.
  const { readAgentRecord } = await import('../daemon/adapters/agent-home.ts')
  const record = daemon.home === undefined ? undefined : await readAgentRecord(daemon.home)
  return new ReplicationError(
    'REPLICATION_HEARTBEAT_TIMEOUT',
    record === undefined
      ? `no agent answers ${daemon.url}; is its daemon running (plebnet daemon)?`
      : `agent ${record.tree} is set up but its daemon does not answer ${daemon.url}; start it with plebnet daemon`,
    { url: daemon.url },
  )
}

function unauthorized(url: string): MarketViewError {
  return new MarketViewError(
    'MARKET_VIEW_UNAUTHORIZED',
    `${url} shows only its public status: run this on the agent's machine, or with the agent's --home (its status token)`,
    { url },
  )
}

function malformed(
  url: string,
  path: string,
  issues: readonly { path: readonly (string | number)[]; message: string }[],
): MarketViewError {
  const shown = issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
  return new MarketViewError(
    'MARKET_VIEW_MALFORMED',
    `${url}${path} is not a market document: ${shown.join('; ')}`,
    {
      url,
    },
  )
}

/** Token bytes (a decimal string) as MB with two decimals, exact (MB = bytes / 2^20). */
export function formatMb(bytes: string): string {
  const n = BigInt(bytes)
  const hundredths = (n * 100n + (1n << 19n)) >> 20n
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`
}

/** A table with a header row: columns padded to their widest cell, numbers right-aligned. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: readonly boolean[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (rightAligned[i] === true ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** The book for people: one table, asks then bids. */
export function renderBook(asks: readonly MarketBookEntry[], bids: readonly MarketBookEntry[]): string {
  if (asks.length === 0 && bids.length === 0) return 'the book is empty'
  return renderTable(
    ['side', 'price sat/MB', 'MB', 'sats', 'remaining MB', 'trader', 'expires'],
    [...asks, ...bids].map((e) => [
      e.side,
      e.priceSatPerMb,
      formatMb(e.mbBytes),
      e.sats,
      formatMb(e.remainingBytes),
      `${e.trader.slice(0, 16)}…`,
      iso(e.expiresAtMs),
    ]),
    [false, true, true, true, true, false, false],
  )
}

/** The agent's open orders for people. */
export function renderOrders(orders: MarketStatus['orders']): string {
  if (orders.length === 0) return 'no open orders'
  return renderTable(
    ['number', 'side', 'price sat/MB', 'MB', 'sats', 'filled MB', 'remaining MB', 'expires'],
    orders.map((o) => [
      String(o.number),
      o.side,
      o.priceSatPerMb,
      formatMb(o.mbBytes),
      o.sats,
      formatMb(o.filledBytes),
      formatMb(String(BigInt(o.mbBytes) - BigInt(o.filledBytes))),
      iso(o.expiresAtMs),
    ]),
    [true, false, true, true, true, true, true, false],
  )
}

/** The matchmaker's trades for people. */
export function renderTrades(trades: MarketTrades['trades']): string {
  if (trades.length === 0) return 'no trades yet'
  return renderTable(
    ['time', 'price sat/MB', 'MB', 'sats'],
    trades.map((t) => [iso(t.timeMs), t.priceSatPerMb, formatMb(t.mbBytes), t.sats]),
    [false, true, true, true],
  )
}
