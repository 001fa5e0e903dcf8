import type { Command } from 'commander'
import type { CliIo } from '@dolly/base'
import { STATUS_PORT } from '../replication/constants.ts'

/** Registers `plebnet status [--json] [--host IP[:port]]`. */
export function registerStatusCommands(program: Command, io: CliIo): void {
  program
    .command('status')
    .description(
      `show an agent's status from its read-only API (default: this machine's daemon on port ${STATUS_PORT})`,
    )
    .option('--host <ip[:port]>', "a remote agent's status API")
    .option('--json', 'machine-readable output')
    .action(async (opts: { host?: string; json?: boolean }, cmd: Command) => {
      const { showStatus } = await import('./status-run.ts')
      await showStatus(io, { ...opts, home: String(cmd.optsWithGlobals()['home']) })
    })
}
