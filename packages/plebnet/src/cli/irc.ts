import type { Command } from 'commander'
import type { CliIo } from '@dolly/base'
import { IRC_SWITCH_WAIT_S, type IrcCliOptions } from '../irc/irc-status.ts'
import { STATUS_PORT } from '../replication/constants.ts'

/**
 * Registers `plebnet irc {status,start,stop,restart}` (AGENT.md §2, §11). The bot is a component of
 * `plebnet daemon` (DESIGN.md §4), so these talk to this machine's daemon: `status` reads the `irc`
 * block of its status (exit 0 when the bot is in its channel, 3 when not: LSB), `stop` and `start`
 * set or clear the operator's switch in the agent's home and wait until the daemon followed.
 */
export function registerIrcCommands(program: Command, io: CliIo): void {
  const irc = program
    .command('irc')
    .description("the agent's IRC bot (it runs inside plebnet daemon): status, start, stop, restart")
  const common = (cmd: Command): Command =>
    cmd
      .option(
        '--host <ip[:port]>',
        `where this agent's status API answers (default 127.0.0.1:${STATUS_PORT})`,
      )
      .option('--json', 'machine-readable output')
  const action =
    (what: 'status' | 'start' | 'stop' | 'restart') => async (opts: IrcCliOptions, cmd: Command) => {
      const { runIrcCommand } = await import('./irc-run.ts')
      await runIrcCommand(io, what, { ...opts, home: String(cmd.optsWithGlobals()['home']) })
    }
  common(irc.command('status'))
    .description("the bot's state; exits 0 when it is in its channel, 3 when it is not (LSB)")
    .action(action('status'))
  for (const [name, text] of [
    ['start', "start the bot (clears the operator's switch <home>/irc.stopped) and wait until it joined"],
    ['stop', "stop the bot (sets the operator's switch <home>/irc.stopped) and wait until it left"],
    ['restart', 'stop, then start'],
  ] as const)
    common(irc.command(name))
      .description(text)
      .option('--timeout <s>', 'seconds to wait for the daemon to follow', String(IRC_SWITCH_WAIT_S))
      .action(action(name))
}
