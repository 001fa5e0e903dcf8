import { Command } from 'commander'
import type { CliIo } from '@dolly/base'
import { registerWalletCommands } from './wallet.ts'
import { registerLedgerCommands } from './ledger.ts'
import { registerSetupCommands } from './setup.ts'
import { registerStatusCommands } from './status.ts'
import { registerNetworkCommands } from './network.ts'
import { registerConfCommands } from './conf.ts'
import { registerDaemonCommands } from './daemon.ts'
import { registerCreateChildCommands } from './create-child.ts'
import { registerCheckCommands } from './check.ts'
import { registerBuybotCommands } from './buybot.ts'
import { registerProxyCommands } from './proxy.ts'
import { registerMarketCommands } from './market.ts'
import { registerIrcCommands } from './irc.ts'

/** Options every plebnet command shares. */
export interface PlebnetGlobalOptions {
  /** The agent's home (config, state, wallet); default the XDG config dir's `plebnet`. */
  readonly home: string
}

/**
 * Builds the `plebnet` command tree. Each area registers its own subcommands from its own file
 * (`register*Commands(program, io)`), so adding one never edits another. Registration is cheap: a
 * command's flags and help come from a light module, its work is imported when it runs
 * (`plebnet --help` and `plebnet status` load no libp2p, wallet, ssh or cloudomate code).
 */
export function buildPlebnetProgram(io: CliIo, defaults: { home: string }): Command {
  const program = new Command('plebnet')
    .description('The Dollynator agent: earns, sells, buys servers and replicates itself.')
    .option('--home <dir>', 'agent home directory (config, state, wallet)', defaults.home)
    .showHelpAfterError()
  registerWalletCommands(program, io)
  registerLedgerCommands(program, io, {
    transportFor: async (identity) =>
      (await import('@dolly/overlay/adapters/one-shot-ledger-transport')).oneShotLedgerTransport(identity, {
        home: String(program.opts()['home']),
      }),
  })
  registerSetupCommands(program, io)
  registerStatusCommands(program, io)
  registerNetworkCommands(program, io)
  registerConfCommands(program, io)
  registerDaemonCommands(program, io)
  registerCreateChildCommands(program, io)
  registerCheckCommands(program, io)
  registerProxyCommands(program, io)
  registerMarketCommands(program, io)
  registerIrcCommands(program, io)
  registerBuybotCommands(program, io)
  return program
}
