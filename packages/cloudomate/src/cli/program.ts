/** Builds the `cloudomate` command tree (CLOUDOMATE.md §9) over an injected environment. */
import type { CliIo } from '@dolly/base'
import { Command } from 'commander'
import type { CloudomateCliEnv } from './env.ts'
import { registerVpnCommands } from './vpn.ts'
import { registerVpsCommands } from './vps.ts'

/**
 * The program; run it with `runCli(…, CLOUDOMATE_CLI_EXIT_STATUS)`, which maps error codes to the
 * spec's exit statuses (§9). `exit.code` carries a status no error gives (`vps ssh`'s session
 * status), which the composition root prefers over `runCli`'s result.
 */
export function buildCloudomateProgram(io: CliIo, env: CloudomateCliEnv, exit: { code?: number }): Command {
  const program = new Command('cloudomate')
    .description('Buy VPS and VPN service with Bitcoin, fully automatically.')
    .version('1.5.0')
    .option(
      '--home <dir>',
      'directory with cloudomate.cfg, the purchase journal and per-purchase accounts',
      env.defaultHome,
    )
    .option('-c, --config <file>', 'config file (default <home>/cloudomate.cfg)')
    .option('--json', 'machine-readable output')
    .option('--testnet', 'use the Bitcoin testnet (checked against the wallet)')
    .showHelpAfterError()
  const helpers = registerVpsCommands(program, io, env, exit)
  registerVpnCommands(program, io, env, helpers)
  return program
}
