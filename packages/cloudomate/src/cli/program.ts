/** Builds the `cloudomate` command tree (CLOUDOMATE.md §9) over an injected environment. */
import type { CliIo } from '@dolly/base'
import { Command } from 'commander'
import type { CloudomateCliEnv } from './env.ts'
import { registerVpnCommands } from './vpn.ts'
import { registerVpsCommands } from './vps.ts'

/**
 * The program; `exit.code` carries the spec's extra exit codes (3 refused, 4 timed out, 2 shop
 * errors), which the composition root prefers over `runCli`'s result.
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
