import { decode as d, type Infer } from '@dolly/base'

const count = d.number({ int: true, min: 0 })

/**
 * The `irc` block of the full status document (issue 18, AGENT.md §2 `plebnet irc status`): where the
 * daemon's bot talks, whether it runs (the operator can stop it: `plebnet irc stop`), is connected and
 * has joined its channel, and its counters since the daemon started.
 */
export const IrcStatusSchema = d.strictObject({
  server: d.string({ min: 1, max: 300 }),
  channel: d.string({ min: 1, max: 64 }),
  nick: d.string({ min: 1, max: 64 }),
  /** False while the operator's switch (`<home>/irc.stopped`, `plebnet irc stop`) holds the bot stopped. */
  running: d.boolean(),
  connected: d.boolean(),
  /** The server confirmed the bot's JOIN: it is in the channel and hears commands. */
  joined: d.boolean(),
  /** Connections made since the daemon started (each start of the bot counts on). */
  sessions: count,
  commandsAnswered: count,
  commandsDropped: count,
  linesDropped: count,
})

/** The bot's part of the status document. */
export type IrcStatus = Infer<typeof IrcStatusSchema>

/** The operator's switch in the agent's home: while this file exists the daemon keeps its bot stopped. */
export const IRC_STOP_FILE = 'irc.stopped'

/** Seconds `plebnet irc start|stop|restart` wait for the daemon to follow by default. */
export const IRC_SWITCH_WAIT_S = 30

/** What every `plebnet irc` subcommand takes (cli/irc.ts registers them, cli/irc-run.ts runs them). */
export interface IrcCliOptions {
  readonly host?: string
  readonly json?: boolean
  readonly timeout?: string
}
