import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { createCryptoRng, formatBtc, parseBtc, type CliIo } from '@dolly/base'
import { WorldError } from '../errors.ts'
import { genesisConfigText } from '../genesis/genesis-config.ts'
import { bootstrapAddrs } from '../users/bootstrap.ts'
import { setupUserWallet } from '../users/adapters/user-wallet.ts'
import { connect, readComponents, type WorldCliEnv } from './world.ts'

/** Coins the faucet pays the buybot's wallet when it has less (default `--budget`). */
const DEFAULT_BUDGET = '0.001'

interface BuybotOptions {
  dir: string
  budget: string
  every: string
  gap: string
  bidTimeout: string
  json?: boolean
}

/**
 * Registers `dolly buybot <limit>`: the original's buybot (ALGORITHMS.md §5.7) against the running
 * world. Its home is `<world dir>/buybot` (identity, ledger, a world wallet funded from the faucet up
 * to `--budget`); it joins the overlay through the agents alive now and runs `plebnet buybot` until
 * Ctrl-C.
 */
export function registerBuybotCommand(program: Command, io: CliIo, env: WorldCliEnv): void {
  program
    .command('buybot')
    .description("mirror the world agents' asks at or below <limit> BTC per MB with bids, until Ctrl-C")
    .argument('<limit>', 'highest price bought, BTC per MB, e.g. 0.000002 (200 sats per MB)')
    .addOption(new Option('--dir <dir>', 'world directory').default(env.defaultWorldDir))
    .option('--budget <coins>', "the buybot's wallet is topped up from the faucet to this", DEFAULT_BUDGET)
    .option('--every <seconds>', 'real seconds between two rounds', '300')
    .option('--gap <seconds>', 'real seconds between two bids of a round', '10')
    .option('--bid-timeout <seconds>', 'world seconds a mirrored bid stands', '86400')
    .option('--json', 'machine-readable lines')
    .action(async (limit: string, opts: BuybotOptions) => {
      const dir = resolve(opts.dir)
      const budget = parseBtc(opts.budget)
      const { state, rpc } = await connect(dir)
      const components = await readComponents(state.controlUrl)
      const bootstrap = bootstrapAddrs(components.agents ?? [])
      if (bootstrap.length === 0)
        throw new WorldError('WORLD_NOT_RUNNING', `no agent is alive in the world in ${dir} to buy from`, {
          dir,
        })
      const home = join(dir, 'buybot')
      const { address } = await setupUserWallet({ rng: createCryptoRng() }, home, (walletPassword) => {
        const text = genesisConfigText(state, { walletPassword })
        if (text === undefined)
          throw new WorldError('WORLD_INVALID_OPTION', 'the buybot needs a world with hosts', {})
        return text
      })
      // Top up to the budget: what the address holds confirmed or not (scantxoutset sees the chain only).
      const held = await rpc<{ total_amount: number }>('scantxoutset', ['start', [`addr(${address})`]])
      const heldSats = BigInt(Math.round(held.total_amount * 1e8))
      if (heldSats < budget) {
        const txid = await rpc<string>('sendtoaddress', [address, formatBtc(budget - heldSats)], {
          wallet: 'faucet',
        })
        io.out(
          opts.json === true
            ? JSON.stringify({ event: 'funded', address, txid })
            : `buybot: funded ${address} (${txid})`,
        )
      }
      const argv = [
        resolve(env.repoDir, 'packages/plebnet/bin/plebnet.js'),
        '--home',
        home,
        'buybot',
        limit,
        ...bootstrap.flatMap((b) => ['--bootstrap', b]),
        '--every',
        opts.every,
        '--gap',
        opts.gap,
        '--bid-timeout',
        opts.bidTimeout,
        ...(opts.json === true ? ['--json'] : []),
      ]
      const child = spawn(env.selfCommand[0], argv, { stdio: ['ignore', 'inherit', 'inherit'] })
      const forward = (signal: NodeJS.Signals): void => void child.kill(signal)
      process.once('SIGINT', forward)
      process.once('SIGTERM', forward)
      const code = await new Promise<number>((done) => child.once('exit', (c) => done(c ?? 1)))
      if (code !== 0)
        throw new WorldError('WORLD_BUYBOT_FAILED', `plebnet buybot exited with status ${code}`, { code })
    })
}
