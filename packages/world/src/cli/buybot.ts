import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { createCryptoRng, formatBtc, parseBtc, type CliIo } from '@dolly/base'
import { FAUCET_WALLET } from '../chain/adapters/litecoind.ts'
import { WorldError } from '../errors.ts'
import { bootstrapAddrs } from '../users/bootstrap.ts'
import { setupUserWallet, userConfigText } from '../users/adapters/user-wallet.ts'
import { connect, readComponents, type WorldCliEnv } from './world.ts'

/** Coins the faucet pays the buybot's new wallet (default `--budget`). */
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
 * world. Its home is `<world dir>/buybot` (identity, ledger, a world wallet the faucet funds with
 * `--budget` when it is created); it joins the overlay through the agents alive now and runs `plebnet buybot` until
 * Ctrl-C.
 */
export function registerBuybotCommand(program: Command, io: CliIo, env: WorldCliEnv): void {
  program
    .command('buybot')
    .description("mirror the world agents' asks at or below <limit> BTC per MB with bids, until Ctrl-C")
    .argument('<limit>', 'highest price bought, BTC per MB, e.g. 0.000002 (200 sats per MB)')
    .addOption(new Option('--dir <dir>', 'world directory').default(env.defaultWorldDir))
    .option('--budget <coins>', "coins the faucet pays the buybot's new wallet", DEFAULT_BUDGET)
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
      const { address, created } = await setupUserWallet({ rng: createCryptoRng() }, home, (walletPassword) =>
        userConfigText(state, walletPassword),
      )
      // A new wallet gets the budget from the faucet; more later with `dolly world faucet <address> <coins>`.
      if (created) {
        const txid = await rpc<string>('sendtoaddress', [address, formatBtc(budget)], {
          wallet: FAUCET_WALLET,
        })
        io.out(
          opts.json === true
            ? JSON.stringify({ event: 'funded', address, txid, sats: String(budget) })
            : `buybot: funded its wallet ${address} with ${formatBtc(budget)} coins (${txid})`,
        )
      } else
        io.out(
          opts.json === true ? JSON.stringify({ event: 'wallet', address }) : `buybot: wallet ${address}`,
        )
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
