/**
 * How `dolly world status` shows the tunnels' traffic (issue 16, "World users"): per agent what it
 * relayed and exited, the bytes it carried and the MB tokens it earned and paid; per world the
 * users' downloads. And the token market (issue 17): per agent its orders and settled trades, per
 * world the trades, sats and MB moved. Pure; `--json` shows the same data unabridged.
 */
import type { AgentStatus } from '@dolly/plebnet'
import type { LoopTrace } from '../users/adapters/loop-trace.ts'
import type { WorldTradeAudit } from '../users/trade-audit.ts'
import type { UserStats } from '../users/stats.ts'

/** An agent's `tunnels` status block. */
export type TunnelsBlock = NonNullable<AgentStatus['tunnels']>
/** An agent's `market` status block. */
export type MarketBlock = NonNullable<AgentStatus['market']>

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const

/**
 * A byte count for people: `512 B`, `1.5 KiB`, `100.0 MiB` (binary units, one decimal). Accepts the
 * status documents' decimal strings (bigint counters) and numbers; anything else is shown as given.
 */
export function formatBytes(value: string | number | bigint): string {
  let n: bigint
  try {
    n = typeof value === 'bigint' ? value : BigInt(value)
  } catch {
    return String(value)
  }
  if (n < 0n) return String(value)
  let unit = 0
  let scale = 1n
  while (unit < UNITS.length - 1 && n >= scale * 1024n) {
    scale *= 1024n
    unit++
  }
  if (unit === 0) return `${n} B`
  // One decimal, rounded half up, in bigint so exabyte counters stay exact.
  const tenths = (n * 10n + scale / 2n) / scale
  return `${tenths / 10n}.${tenths % 10n} ${UNITS[unit] ?? ''}`
}

/** Token bytes as MB tokens (MB = bytes / 2^20, ALGORITHMS.md §9), two decimals, signed. */
export function formatTokens(bytes: string): string {
  let n: bigint
  try {
    n = BigInt(bytes)
  } catch {
    return bytes
  }
  const sign = n < 0n ? '-' : ''
  const abs = n < 0n ? -n : n
  const hundredths = (abs * 100n + (1n << 19n)) >> 20n
  return `${sign}${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')} MB`
}

/**
 * One agent's traffic in a line: its roles, circuits relayed and exited (total, open now), cell bytes
 * carried towards exits (up) and back (down), what it exchanged with destinations as an exit, and
 * its MB tokens (earned as a relay or exit, paid as an initiator, ledger balance) when it runs payments.
 */
export function renderAgentTraffic(tunnels: TunnelsBlock): string {
  const c = tunnels.circuits
  const roles = [tunnels.relay ? 'relay' : '', tunnels.exit ? 'exit' : ''].filter(Boolean).join('+') || 'none'
  const parts = [
    roles,
    `circuits relayed ${c.relayedTotal} (${c.relayedNow} open), exited ${c.exitedTotal} (${c.exitedNow} open)`,
    `carried up ${formatBytes(tunnels.bytesUp)}, down ${formatBytes(tunnels.bytesDown)}`,
  ]
  if (tunnels.exit)
    parts.push(`exit out ${formatBytes(tunnels.exitBytesOut)}, in ${formatBytes(tunnels.exitBytesIn)}`)
  const p = tunnels.payments
  if (p !== undefined)
    parts.push(
      `tokens (${p.rule}) earned ${formatTokens(p.earned)}, paid ${formatTokens(p.paid)}, balance ${formatTokens(p.balance)}, cut unpaid ${p.cutUnpaid}`,
    )
  return parts.join('; ')
}

/** The users' downloads together: how many, how many succeeded and failed, bytes received. */
export function renderUsersTotal(users: readonly UserStats[]): string {
  const sum = (f: (u: UserStats) => number): number => users.reduce((acc, u) => acc + f(u), 0)
  const riders = users.filter((u) => u.freeRider).length
  return `${users.length} users (${riders} free riders): ${sum((u) => u.requests)} downloads, ${sum((u) => u.ok)} ok, ${sum((u) => u.failures)} failed, ${formatBytes(sum((u) => u.bytes))} received`
}

/** One user's line: state, downloads (ok, failed), bytes received, proxy restarts, and why it failed when it did. */
export function renderUser(u: UserStats): string {
  const error = u.error === null ? '' : `  (${u.error.split('\n')[0]?.slice(0, 120) ?? ''})`
  const restarts = u.proxyRestarts > 0 ? `, proxy restarted ${u.proxyRestarts}×` : ''
  return `${u.name.padEnd(8)} ${(u.hostIp || '-').padEnd(12)} ${u.freeRider ? 'free rider' : 'paying    '} ${u.state.padEnd(8)} ${u.requests} downloads, ${u.ok} ok, ${u.failures} failed, ${formatBytes(u.bytes)} received${restarts}${renderBuyer(u.buyer)}${error}`
}

/** A token buyer's part of its user line (issue 17): price, cheat, bids, trades, sats for MB. */
function renderBuyer(b: UserStats['buyer']): string {
  if (b === undefined) return ''
  const mb = (Number(b.mbBoughtBytes) / 2 ** 20).toFixed(2)
  const cheat = b.cheat === null ? '' : ` (cheat: ${b.cheat})`
  return `; buys MB at ≤ ${b.maxSatPerMb} sat/MB${cheat}: ${b.bids} bids, ${b.tradesCompleted} trades done, ${b.tradesAborted} aborted, paid ${b.satsPaid} sats for ${mb} MB, allowance ${b.fundedSats} sats`
}

/**
 * `dolly world loop`: the users' trade payments to agents and the provider payments they funded
 * (users/adapters/loop-trace.ts).
 */
export function renderLoop(trace: LoopTrace): string {
  const spent = trace.tradePayments.filter((p) => p.spentBy !== null)
  const funded = trace.purchases.reduce((n, p) => n + p.fromTrades.reduce((m, t) => m + t.sats, 0n), 0n)
  const lines = [
    `loop: ${trace.tradePayments.length} trade payments from users to agents, ${trace.tradeSats} sats; ${spent.length} spent; ${trace.purchases.length} provider payments funded by them (${funded} sats of trade money)`,
  ]
  for (const p of trace.purchases)
    lines.push(
      `  ${p.txid} pays ${p.providers.map((x) => `${x.wallet} ${x.sats} sats`).join(', ')} from ${p.fromTrades.map((t) => `${t.txid}:${t.vout} (${t.sats} sats)`).join(', ')}`,
    )
  return lines.join('\n')
}

/** `dolly world audit`: a line per home that traded, the problems, and the totals. */
export function renderAudit(audit: WorldTradeAudit): string {
  const lines: string[] = []
  for (const h of audit.homes) {
    if (h.trades.length === 0 && h.error === undefined) continue
    const count = (o: string): number => h.trades.filter((t) => t.outcome === o).length
    const sold = h.trades.filter((t) => t.role === 'mb').reduce((n, t) => n + t.ledgerMbBytes, 0n)
    const bought = h.trades.filter((t) => t.role === 'btc').reduce((n, t) => n + t.ledgerMbBytes, 0n)
    const sats = h.trades.reduce((n, t) => n + t.chainSats, 0n)
    const issues = h.trades.reduce((n, t) => n + t.problems.length, 0)
    lines.push(
      h.error !== undefined
        ? `${h.name} (${h.kind}): not audited: ${h.error}`
        : `${h.name} (${h.kind}): ${h.trades.length} trades (${count('completed')} completed, ${count('aborted')} aborted, ${count('open')} open); MB on the ledger ${(Number(sold) / 2 ** 20).toFixed(2)} sold, ${(Number(bought) / 2 ** 20).toFixed(2)} bought; ${sats} sats on the chain; ${issues === 0 ? 'ok' : `${issues} problems`}`,
    )
  }
  for (const p of audit.problems) lines.push(`  ${p}`)
  lines.push(
    `audit: ${audit.completed + audit.aborted + audit.open} trades (${audit.completed} completed, ${audit.aborted} aborted, ${audit.open} open), ${audit.pairs} seen from both sides; ${audit.problems.length} problems`,
  )
  return lines.join('\n')
}

/**
 * One agent's market in a line: its open orders, the trades its settlement completed (open and
 * aborted ones besides), the sats it received and the MB it sold, and the last price it knows.
 */
export function renderAgentMarket(market: MarketBlock): string {
  const s = market.settlement
  const trades =
    s === null
      ? 'settlement not started'
      : `trades completed ${s.completed} (${s.open} open, ${s.aborted} aborted), received ${s.satsReceived} sats, sold ${formatTokens(s.mbSoldBytes)}, paid ${s.satsPaid} sats, bought ${formatTokens(s.mbBoughtBytes)}`
  const price = market.lastTrade === null ? 'none' : `${market.lastTrade.priceSatPerMb} sat/MB`
  return `orders open ${market.orders.length}; ${trades}; last price ${price}`
}

/** The world's token market (issue 17) from its agents' `market` blocks. */
export interface WorldMarketSummary {
  /** Agents that run a market. */
  readonly agents: number
  /**
   * Trades completed: each completed trade is counted by both its parties, so half their sum,
   * rounded up (a party the world shows no market block of, e.g. one only its public status was
   * read of, is missing from the sum). Dead agents count with the block they last reported.
   */
  readonly trades: number
  /** Sats moved from buyers to sellers: the larger of the sums received and paid, decimal string. */
  readonly satsMoved: string
  /** MB token bytes moved from sellers to buyers: the larger of the sums sold and bought, decimal string. */
  readonly mbMovedBytes: string
  /** The latest trade any agent knows of. */
  readonly lastTrade: MarketBlock['lastTrade']
}

/** Sums the agents' market blocks; undefined when none runs a market. Pure. */
export function summarizeMarket(
  agents: readonly { readonly market?: MarketBlock }[],
): WorldMarketSummary | undefined {
  const blocks = agents.flatMap((a) => (a.market === undefined ? [] : [a.market]))
  if (blocks.length === 0) return undefined
  const sum = (f: (s: NonNullable<MarketBlock['settlement']>) => string): bigint =>
    blocks.reduce((acc, b) => acc + (b.settlement === null ? 0n : BigInt(f(b.settlement))), 0n)
  const max = (x: bigint, y: bigint): bigint => (x > y ? x : y)
  const completed = blocks.reduce((acc, b) => acc + (b.settlement?.completed ?? 0), 0)
  let lastTrade: MarketBlock['lastTrade'] = null
  for (const b of blocks)
    if (b.lastTrade !== null && (lastTrade === null || b.lastTrade.timeMs > lastTrade.timeMs))
      lastTrade = b.lastTrade
  return {
    agents: blocks.length,
    trades: Math.ceil(completed / 2),
    satsMoved: String(
      max(
        sum((s) => s.satsReceived),
        sum((s) => s.satsPaid),
      ),
    ),
    mbMovedBytes: String(
      max(
        sum((s) => s.mbSoldBytes),
        sum((s) => s.mbBoughtBytes),
      ),
    ),
    lastTrade,
  }
}

/** The world's market in a line. */
export function renderMarketSummary(s: WorldMarketSummary): string {
  const price = s.lastTrade === null ? 'none' : `${s.lastTrade.priceSatPerMb} sat/MB`
  return `${s.agents} ${s.agents === 1 ? 'agent' : 'agents'} trading: ${s.trades} trades, ${s.satsMoved} sats and ${formatTokens(s.mbMovedBytes)} moved; last price ${price}`
}
