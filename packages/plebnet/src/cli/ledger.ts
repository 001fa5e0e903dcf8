import type { Command } from 'commander'
import { createCryptoRng, createSystemClock, type CliIo, type Clock, type Rng } from '@dolly/base'
import type { Identity } from '../identity/identity.ts'
import type { LedgerTransport } from '../ledger/ports.ts'
import type * as LedgerRun from './ledger-run.ts'

/**
 * `plebnet ledger balance | blocks | verify | crawl`: the token ledger in `<home>/state.sqlite`
 * (tables `ledger_*`), signed with `<home>/identity.key` (created 0600 on first use). This module
 * registers the commands; their work (ledger-run.ts) loads when one runs.
 */

/** What the ledger commands need from outside. */
export interface LedgerCliDeps {
  /** Block timestamps; default the system clock. */
  readonly clock: Clock
  /** Key generation on first use; default the OS CSPRNG. */
  readonly rng: Rng
  /**
   * How to reach peers; `crawl` is offered only when one is wired (the network issue adds libp2p).
   * May resolve later, so the CLI loads libp2p only when `crawl` runs.
   */
  readonly transportFor?: (identity: Identity) => LedgerTransport | Promise<LedgerTransport>
}

const DEFAULT_BLOCKS_SHOWN = 20
/** Most blocks `ledger blocks --limit` shows. */
export const MAX_BLOCKS_SHOWN = 1000

const run = (): Promise<typeof LedgerRun> => import('./ledger-run.ts')

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
      (await run()).ledgerBlocks(io, deps, cmd, opts),
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
