import { setFlagsFromString } from 'node:v8'
import type { Command } from 'commander'
import { createPinoLogger, createSystemClock, type CliIo, type Clock, type Logger } from '@dolly/base'
import type { Daemon } from '../daemon/daemon.ts'
import { STATUS_PORT } from '../replication/constants.ts'
import { DAEMON_V8_FLAGS } from '../daemon/service-files.ts'

/** What `plebnet daemon` needs from outside. */
export interface DaemonCliDeps {
  readonly clock: Clock
  readonly log: Logger
  /** Called with the started daemon: the composition root wires signals to `stop`. */
  readonly onStarted: (daemon: Daemon) => void
}

/** Flags of `plebnet daemon`. */
interface DaemonCommandOptions {
  statusListen?: string
  once?: boolean
  gossipListen?: string
  bootstrap?: string[]
}

/** Registers `plebnet daemon [--status-listen ip:port] [--once]`. */
export function registerDaemonCommands(
  program: Command,
  io: CliIo,
  overrides: Partial<DaemonCliDeps> = {},
): void {
  program
    .command('daemon')
    .description(
      'run the agent: read-only status API on :8480 and the heartbeat (the lifecycle tick plugs in here)',
    )
    .option(
      '--status-listen <ip:port>',
      `where the status API listens (default all addresses, port ${STATUS_PORT})`,
    )
    .option('--once', 'start, beat once, stop (a smoke test of the set-up)')
    .option('--gossip-listen <ip:port>', "where the agents' overlay listens (default 0.0.0.0:8000)")
    .option('--bootstrap <multiaddr...>', 'extra peers to greet, /ip4/…/tcp/…/p2p/<peer id>')
    .action(async (opts: DaemonCommandOptions, cmd: Command) => {
      // Before the daemon's modules load, so their code and the heap they build are already under them.
      setFlagsFromString(DAEMON_V8_FLAGS)
      const clock = overrides.clock ?? createSystemClock()
      const log = overrides.log ?? createPinoLogger({ clock })
      // The daemon's code is loaded when the command runs, so registering it costs nothing.
      const { buildDaemon } = await import('../daemon/adapters/agent-daemon.ts')
      const daemon = await buildDaemon(
        { clock, log },
        {
          home: String(cmd.optsWithGlobals()['home']),
          ...(opts.statusListen === undefined ? {} : { statusListen: opts.statusListen }),
          ...(opts.gossipListen === undefined ? {} : { gossipListen: opts.gossipListen }),
          ...(opts.bootstrap === undefined ? {} : { bootstrap: opts.bootstrap }),
          env: process.env,
        },
      )
      await daemon.start()
      io.err(`plebnet daemon: ${daemon.status().tree} serving ${daemon.url ?? '?'}/status`)
      if (opts.once === true) {
        await daemon.stop()
        return
      }
      if (overrides.onStarted !== undefined) overrides.onStarted(daemon)
      else {
        const stop = (): void => void daemon.stop()
        process.once('SIGTERM', stop)
        process.once('SIGINT', stop)
      }
      await daemon.stopped
    })
}
