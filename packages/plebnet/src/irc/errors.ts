import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/** Codes of the IRC bot (AGENT.md §11). */
export type IrcErrorCode =
  /** `!error` threw on purpose: the error path (log, report, error line) works. */
  | 'IRC_TEST_ERROR'
  /** The bot could not connect to its server (refused, unreachable, timed out); it retries with backoff. */
  | 'IRC_CONNECT_FAILED'
  /** A command came before the daemon had a status to answer from. */
  | 'IRC_STATUS_UNAVAILABLE'
  /** An `[irc]` key of the agent's config is not usable (port, timeout, channel or nick). */
  | 'IRC_CONFIG_INVALID'
  /** `plebnet irc status`: the bot is not in its channel (stopped, connecting, or no daemon answers). */
  | 'IRC_NOT_RUNNING'
  /** The agent's daemon runs no bot: its config names no IRC server (`[irc] server`). */
  | 'IRC_NOT_CONFIGURED'
  /** `plebnet irc start|stop|restart`: the agent's daemon does not answer; the bot lives in it. */
  | 'IRC_DAEMON_DOWN'
  /** The daemon did not follow the operator's switch within the wait (`--timeout`). */
  | 'IRC_SWITCH_TIMEOUT'

/**
 * Exit status per code (STYLE.md §1.7): a bad config value is bad input; `plebnet irc status` keeps
 * the LSB status AGENT.md §2 asks for: 3 when the bot is not running (stopped, joining, or the agent
 * has no IRC server). An action the daemon cannot take because none answers is a plain failure.
 */
export const IRC_EXIT_STATUS: ExitStatusMap<IrcErrorCode> = Object.freeze({
  IRC_TEST_ERROR: EXIT.FAILURE,
  IRC_CONNECT_FAILED: EXIT.FAILURE,
  IRC_STATUS_UNAVAILABLE: EXIT.FAILURE,
  IRC_CONFIG_INVALID: EXIT.USAGE,
  IRC_NOT_RUNNING: 3,
  IRC_NOT_CONFIGURED: 3,
  IRC_DAEMON_DOWN: EXIT.FAILURE,
  IRC_SWITCH_TIMEOUT: EXIT.FAILURE,
})

/** Errors of the IRC bot. */
export class IrcError extends DollyError<IrcErrorCode> {}
