import type { Command } from 'commander'
import { Option } from 'commander'
import { createCryptoRng, createSystemClock, type CliIo } from '@dolly/base'
import { NETWORK_NAMES } from '@dolly/wallet/network'
import type * as WalletRun from './wallet-run.ts'
import type { ChainFlags, WalletCliDeps } from './wallet-run.ts'

export type { ChainFlags, WalletCliDeps }

/** The wallet's work (bitcoinjs, the keystore, the chain backends), loaded when a wallet command runs. */
const run = (): Promise<typeof WalletRun> => import('./wallet-run.ts')

/** Registers `plebnet wallet create | address | balance | send | history | sweep-child`. */
export function registerWalletCommands(
  program: Command,
  io: CliIo,
  overrides: Partial<WalletCliDeps> = {},
): void {
  const env = overrides.env ?? process.env
  const deps: WalletCliDeps = {
    env,
    clock: overrides.clock ?? createSystemClock(),
    rng: overrides.rng ?? createCryptoRng(),
    chainFor:
      overrides.chainFor ??
      (async (network, flags) =>
        (await run()).defaultChain(network, flags, env, overrides.clock ?? createSystemClock())),
    prompt: overrides.prompt ?? (async (question) => (await import('@dolly/wallet')).promptHidden(question)),
    ...(overrides.kdf === undefined ? {} : { kdf: overrides.kdf }),
  }
  const wallet = program
    .command('wallet')
    .description("the agent's own HD wallet (BIP84); amounts in BTC with up to 8 decimals")
    .option(
      '--backend <url>',
      'chain backend: http://user:pass@host:port/ (Core RPC), esplora+https://…/api/, electrum(s)://host:port (default: PLEBNET_CHAIN_BACKEND, else the running world)',
    )
    .option(
      '--world-dir <dir>',
      "the world's directory, to find its chain (default: DOLLY_WORLD_DIR or ~/.local/share/dollynator/world)",
    )

  wallet
    .command('create')
    .description(
      'create a new wallet (seed encrypted with PLEBNET_WALLET_PASSPHRASE, the config, or a prompt)',
    )
    .addOption(new Option('--network <name>', 'network').choices([...NETWORK_NAMES]).default('world'))
    .option('--show-mnemonic', 'print the 24 backup words once (keep them offline)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { network: string; showMnemonic?: boolean }, cmd: Command) =>
      (await run()).walletCreate(io, deps, cmd, opts),
    )

  wallet
    .command('address')
    .description('print a fresh receive address')
    .option('--json', 'machine-readable output')
    .action(async (_opts: unknown, cmd: Command) => (await run()).walletAddress(io, deps, cmd))

  wallet
    .command('balance')
    .description('print the balance in BTC (8 decimals)')
    .option('--json', 'machine-readable output')
    .action(async (_opts: unknown, cmd: Command) => (await run()).walletBalance(io, deps, cmd))

  wallet
    .command('send')
    .description('pay <address|bip21-uri> [amount in BTC]; broadcasts once and records the payment')
    .argument('<destination>', 'address or bitcoin: URI')
    .argument('[amount]', 'amount in BTC, e.g. 0.3 (optional when the URI carries one)')
    .option('--purpose <text>', 'why this payment is made (kept in the history)', 'manual payment')
    .option('--fee-rate <satPerVb>', 'fee rate in sat/vB (default: the backend estimate)')
    .option('--json', 'machine-readable output')
    .action(
      async (
        destination: string,
        amountText: string | undefined,
        opts: { purpose: string; feeRate?: string },
        cmd: Command,
      ) => (await run()).walletSend(io, deps, cmd, destination, amountText, opts),
    )

  wallet
    .command('history')
    .description('list payments (with purpose, fee and state) and received coins')
    .option('--json', 'machine-readable output')
    .action(async (_opts: unknown, cmd: Command) => (await run()).walletHistory(io, deps, cmd))

  wallet
    .command('sweep-child')
    .description("recover a (dead) child's coins: derive its key from ours and send all its coins to us")
    .argument('<index>', 'child index in the family tree')
    .option('--json', 'machine-readable output')
    .action(async (indexText: string, _opts: unknown, cmd: Command) =>
      (await run()).walletSweepChild(io, deps, cmd, indexText),
    )
}
