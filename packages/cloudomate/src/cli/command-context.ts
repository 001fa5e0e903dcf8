import type { NetworkParams } from '@dolly/wallet'
import type { Command } from 'commander'
import { parseIni, type Ini } from '../config.ts'
import type { PaymentWallet, RateSource } from '../ports.ts'
import type { CloudomateCliEnv } from './env.ts'

/** What every cloudomate subcommand reads from the global flags: home, --json, and the config file. */
export interface CommandContext {
  readonly globals: (cmd: Command) => Record<string, unknown>
  readonly home: (cmd: Command) => string
  readonly json: (cmd: Command) => boolean
  /** `-c CONFIG`, else `<home>/cloudomate.cfg`; a missing file is an empty config. */
  readonly loadIni: (cmd: Command) => Promise<Ini>
  /** The ports of the state and purchase flows over the account files in `dir`. */
  readonly flowDeps: (dir: string, network: NetworkParams) => FlowDeps
  /** {@link flowDeps} plus the paying wallet and the rates of its network (`[rates]` of `ini`). */
  readonly purchaseDeps: (dir: string, wallet: PaymentWallet, ini: Ini) => PurchaseFlowDeps
}

/** Ports every flow that reads a service's state shares. */
export type FlowDeps = ReturnType<typeof flowDepsOf>

/** Ports of a purchase. */
export type PurchaseFlowDeps = FlowDeps & {
  readonly wallet: PaymentWallet
  readonly rates: RateSource
}

function flowDepsOf(env: CloudomateCliEnv, dir: string, network: NetworkParams) {
  return {
    journal: env.journal(dir),
    accounts: env.accounts(dir),
    clock: env.clock,
    rng: env.rng,
    log: env.log,
    newSession: () => env.newSession(),
    network,
  }
}

/** Builds the shared readers of the global flags for the `vps` and `vpn` command trees. */
export function commandContext(env: CloudomateCliEnv): CommandContext {
  const globals = (cmd: Command): Record<string, unknown> => cmd.optsWithGlobals()
  const home = (cmd: Command): string => String(globals(cmd)['home'] ?? env.defaultHome)
  return {
    globals,
    home,
    flowDeps: (dir, network) => flowDepsOf(env, dir, network),
    purchaseDeps: (dir, wallet, ini) => ({
      ...flowDepsOf(env, dir, wallet.network),
      wallet,
      rates: env.rates(wallet.network.name, ini),
    }),
    json: (cmd) => globals(cmd)['json'] === true,
    async loadIni(cmd) {
      const config = globals(cmd)['config']
      const path = typeof config === 'string' ? config : `${home(cmd)}/cloudomate.cfg`
      const text = await env.readText(path)
      return text === undefined ? new Map() : parseIni(text, path)
    },
  }
}
