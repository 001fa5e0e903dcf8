/** The world's IRC channel: every agent's bot joins it (AGENT.md §4 `irc.channel` default). */
export const WORLD_IRC_CHANNEL = '#plebnet123'

/** Options of the world's IRC server. */
export interface NgircdConfigOptions {
  /** Addresses to listen on (loopback for tools and tests, the hosts' bridge gateway for agents). */
  readonly listen: readonly string[]
  readonly port: number
  /** The channel created at start (persistent, so a bot joining an empty server finds it). */
  readonly channel: string
  /** A line of MOTD (bots join after the end of the MOTD, 376). */
  readonly motd: string
  /**
   * ngircd's flood control (command penalties, on by default). Off (`MaxPenaltyTime = 0`) lets a
   * client's burst reach the bots at once: the bot's own limits are what the tests exercise.
   */
  readonly penalties?: boolean
}

/**
 * `ngircd.conf` of the world's IRC server (Debian's ngIRCd 26): a standalone server named
 * `irc.dolly.world` with no DNS, ident or PAM look-ups (the world is offline and an ident look-up
 * would hold every registration up), nicks up to 30 characters (`plebbot4521` is 11, RFC 2812's 9
 * would refuse it), no per-address connection limit (every local tool connects from 127.0.0.1), and
 * the family channel predefined. It runs as `nobody` (ngircd drops root itself) and writes no PID
 * file (the world keeps the spawned process's pid). Pure.
 */
export function ngircdConfigText(options: NgircdConfigOptions): string {
  return [
    '[Global]',
    'Name = irc.dolly.world',
    'Info = Dollynator world IRC',
    'AdminInfo1 = Dollynator world',
    'AdminInfo2 = local stand-in for the Internet',
    'AdminEMail = operator@dolly.world',
    `Listen = ${options.listen.join(',')}`,
    `Ports = ${options.port}`,
    `MotdPhrase = ${options.motd}`,
    '',
    '[Limits]',
    'MaxConnectionsIP = 0',
    'MaxNickLength = 30',
    'MaxJoins = 0',
    'PingTimeout = 120',
    'PongTimeout = 20',
    ...(options.penalties === false ? ['MaxPenaltyTime = 0'] : []),
    '',
    '[Options]',
    'DNS = no',
    'Ident = no',
    'PAM = no',
    '',
    '[Channel]',
    `Name = ${options.channel}`,
    'Topic = the Dollynator family (AGENT.md §11)',
    'Modes = tn',
    '',
  ].join('\n')
}
