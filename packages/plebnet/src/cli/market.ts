import type { Command } from 'commander'
import type { CliIo } from '@dolly/base'
import { STATUS_PORT } from '../replication/constants.ts'
import type * as MarketRun from './market-run.ts'

/**
 * `plebnet market book | orders | trades`: the token market (issue 17) of the running daemon, read
 * from its status API like `plebnet status` (loopback, or the agent's status token for `--host`);
 * `plebnet market audit`: this home's trades against its ledger, wallet and chain (files, no daemon).
 * This module registers the commands; their work (market-run.ts) loads when one runs.
 */

const run = (): Promise<typeof MarketRun> => import('./market-run.ts')

/** The shared options of a market command: the daemon's address and the output form. */
interface MarketOptions {
  host?: string
  json?: boolean
}

/** Registers the `market` command group on the plebnet program. */
export function registerMarketCommands(program: Command, io: CliIo): void {
  const market = program
    .command('market')
    .description(
      `the token market of the running daemon ([market] enabled): its matchmaker's book and trades, the agent's orders`,
    )
  const common = (cmd: Command): Command =>
    cmd
      .option(
        '--host <ip[:port]>',
        `a remote agent's status API (default this machine's, port ${STATUS_PORT})`,
      )
      .option('--json', 'machine-readable output: an array, amounts as decimal strings')
  const home = (cmd: Command): string => String(cmd.optsWithGlobals()['home'])
  common(
    market
      .command('book')
      .description(
        "the local matchmaker's order book: asks (lowest price first) and bids (highest first); price in sat/MB, MB = 2^20 token bytes",
      )
      .option('--limit <n>', 'orders shown per side, 0..1000', '20'),
  ).action(async (opts: MarketOptions & { limit: string }, cmd: Command) =>
    (await run()).marketBook(io, { ...opts, home: home(cmd) }),
  )
  common(
    market
      .command('orders')
      .description("this agent's open orders: number, side, price, MB, sats, MB filled, expiry (world time)"),
  ).action(async (opts: MarketOptions, cmd: Command) =>
    (await run()).marketOrders(io, { ...opts, home: home(cmd) }),
  )
  common(
    market
      .command('trades')
      .description('the latest trades the local matchmaker matched, oldest first: time, price, MB, sats')
      .option('--limit <n>', 'trades shown, 0..1000', '20'),
  ).action(async (opts: MarketOptions & { limit: string }, cmd: Command) =>
    (await run()).marketTrades(io, { ...opts, home: home(cmd) }),
  )
  market
    .command('audit')
    .description(
      "this home's trades checked against its ledger, its wallet and the chain: each transfer ref a countersigned block, each payment an output to the trade's address, a completed trade exact to the byte and the satoshi (exit 1 on a mismatch)",
    )
    .option('--json', 'machine-readable output: an array, amounts as decimal strings')
    .action(async (opts: { json?: boolean }, cmd: Command) =>
      (await import('./market-audit-run.ts')).marketAudit(io, { ...opts, home: home(cmd), env: process.env }),
    )
}
