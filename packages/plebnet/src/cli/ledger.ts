import type { Command } from 'commander'
import { createCryptoRng, createSystemClock, type CliIo } from '@dolly/base'
import { LedgerError } from '@dolly/ledger/errors'
import type * as LedgerRun from './ledger-run.ts'
import type { LedgerCliDeps } from './ledger-run.ts'

export type { LedgerCliDeps }

/**
 * `plebnet ledger balance | blocks | verify | crawl`: the token ledger in `<home>/state.sqlite`
 * (tables `ledger_*`), signed with `<home>/identity.key` (created 0600 on first use). This module
 * registers the commands; their work (ledger-run.ts) loads when one runs.
 */

const DEFAULT_BLOCKS_SHOWN = 20
/** Most blocks `ledger blocks --limit` shows. */
export const MAX_BLOCKS_SHOWN = 1000

const run = (): Promise<typeof LedgerRun> => import('./ledger-run.ts')

/** `--limit` of `ledger blocks` as a number in 1..MAX_BLOCKS_SHOWN. */
function blocksLimit(text: string): number {
  const limit = Number(text)
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_BLOCKS_SHOWN) {
    throw new LedgerError(
      'LEDGER_OPTION_INVALID',
      `--limit must be an integer in 1..${MAX_BLOCKS_SHOWN}, got ${text}`,
    )
  }
  return limit
}

/** Registers the `ledger` command group on the plebnet program. */
export function registerLedgerCommands(
  program: Command,
  io: CliIo,
  overrides: Partial<LedgerCliDeps> = {},
): void {
  const deps: LedgerCliDeps = {
    clock: overrides.clock ?? createSystemClock(),
    rng: overrides.rng ?? createCryptoRng(),
    ...overrides,
  }
  const ledgerCmd = program
    .command('ledger')
    .description('Bandwidth tokens on TrustChain: balance, blocks, verification, crawl.')

  ledgerCmd
    .command('balance')
    .description('MB tokens of this agent (or --pk), with the exact byte count')
    .option('--pk <key>', 'public key (hex) of another chain this agent stores')
    .option('--json', 'print JSON')
    .action(async (opts: { pk?: string; json?: boolean }, cmd: Command) =>
      (await run()).ledgerBalance(io, deps, cmd, opts),
    )

  ledgerCmd
    .command('blocks')
    .description('the latest blocks of this agent’s chain (or --pk)')
    .option('--pk <key>', 'public key (hex) of another chain this agent stores')
    .option(
      '--limit <n>',
      `how many of the latest blocks (1-${MAX_BLOCKS_SHOWN})`,
      String(DEFAULT_BLOCKS_SHOWN),
    )
    .option('--json', 'print JSON')
    .action(async (opts: { pk?: string; limit: string; json?: boolean }, cmd: Command) =>
      (await run()).ledgerBlocks(io, deps, cmd, { ...opts, limit: blocksLimit(opts.limit) }),
    )

  ledgerCmd
    .command('verify')
    .description('re-verify every stored block: encoding, hash, signature, chain links, totals, mirrors')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => (await run()).ledgerVerify(io, deps, cmd, opts))

  const transportFor = deps.transportFor
  if (transportFor !== undefined) {
    ledgerCmd
      .command('crawl <peer>')
      .description('fetch a chain from a peer (default: the peer’s own) and store the valid blocks')
      .option('--pk <key>', 'whose chain to fetch (hex); default the peer’s')
      .option('--json', 'print JSON')
      .action(async (peerHex: string, opts: { pk?: string; json?: boolean }, cmd: Command) =>
        (await run()).ledgerCrawl(io, deps, transportFor, cmd, peerHex, opts),
      )
  }
}
