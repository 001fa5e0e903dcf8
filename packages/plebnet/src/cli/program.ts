import { Command } from 'commander'
import type { CliIo } from '@dolly/base'
import { registerWalletCommands } from './wallet.ts'
import { registerLedgerCommands } from './ledger.ts'
import { registerSetupCommands } from './setup.ts'
import { registerStatusCommands } from './status.ts'
import { registerNetworkCommands } from './network.ts'
import { registerConfCommands } from './conf.ts'

/** Options every plebnet command shares. */
export interface PlebnetGlobalOptions {
  /** The agent's home (config, state, wallet); default the XDG config dir's `plebnet`. */
  readonly home: string
}

/** A `register*Commands` function of a command whose module loads its work on import. */
type Register = (program: Command, io: CliIo) => void

/**
 * The commands whose modules import their work (the daemon, the tick, create-child): listed here by
 * name and summary, their module loaded only when one of them runs. cli/program.test.ts checks each
 * summary against the module's own registration, so the two cannot drift apart.
 */
export const LAZY_COMMANDS: readonly {
  readonly name: string
  readonly summary: string
  readonly load: () => Promise<Register>
}[] = [
  {
    name: 'daemon',
    summary:
      'run the agent: read-only status API on :8480 and the heartbeat (the lifecycle tick plugs in here)',
    load: async () => (await import('./daemon.ts')).registerDaemonCommands,
  },
  {
    name: 'create-child',
    summary: 'install a child agent on a server over SSH (-i IP -p PASSWORD; --help for all flags)',
    load: async () => (await import('./create-child.ts')).registerCreateChildCommands,
  },
  {
    name: 'check',
    summary:
      'run one lifecycle tick: choose an offer, buy, install bought servers, pay the dowry, end of lease',
    load: async () => (await import('./check.ts')).registerCheckCommands,
  },
]

/**
 * Registers `name` with its summary; when it runs, loads its module, registers the real command on a
 * program of its own (same `--home`, same output and error conventions as runCli's) and parses the
 * command's words there, so its flags, `--help` and errors are the module's own.
 */
function registerLazyCommand(program: Command, io: CliIo, entry: (typeof LAZY_COMMANDS)[number]): void {
  program
    .command(entry.name)
    .description(entry.summary)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_opts: unknown, cmd: Command) => {
      const register = await entry.load()
      const inner = new Command(program.name()).option(
        '--home <dir>',
        'agent home directory',
        String(cmd.optsWithGlobals()['home']),
      )
      register(inner, io)
      const configure = (c: Command): void => {
        c.exitOverride()
        c.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
        c.showHelpAfterError('(add --help for usage)')
        for (const sub of c.commands) configure(sub)
      }
      configure(inner)
      await inner.parseAsync([entry.name, ...cmd.args], { from: 'user' })
    })
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
      (await import('../network/adapters/one-shot-ledger-transport.ts')).oneShotLedgerTransport(identity, {
        home: String(program.opts()['home']),
      }),
  })
  registerSetupCommands(program, io)
  registerStatusCommands(program, io)
  registerNetworkCommands(program, io)
  registerConfCommands(program, io)
  for (const entry of LAZY_COMMANDS) registerLazyCommand(program, io, entry)
  return program
}
