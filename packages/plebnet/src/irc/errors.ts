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

/** Exit status per code (STYLE.md §1.7): a bad config value is bad input. */
export const IRC_EXIT_STATUS: ExitStatusMap<IrcErrorCode> = Object.freeze({
  IRC_TEST_ERROR: EXIT.FAILURE,
  IRC_CONNECT_FAILED: EXIT.FAILURE,
  IRC_STATUS_UNAVAILABLE: EXIT.FAILURE,
  IRC_CONFIG_INVALID: EXIT.USAGE,
})

/** Errors of the IRC bot. */
export class IrcError extends DollyError<IrcErrorCode> {}
