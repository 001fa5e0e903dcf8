/** Defaults of Vision (AGENT.md §12 and the `vision` config section). */

/** Web app port (`vision.port`). */
export const DEFAULT_VISION_PORT = 5500
/** Seconds between two rounds of tracker commands (`vision.tracker_interval`). */
export const DEFAULT_TRACKER_INTERVAL_S = 600
/** Seconds without a `general` reply after which a node is dead (`vision.dead_after`). */
export const DEFAULT_DEAD_AFTER_S = 1800
/** Wait after joining before the first round (§12: 20 s). */
export const DEFAULT_JOIN_WAIT_MS = 20_000
/** Gap between two commands of a round (§12: 2 s). */
export const DEFAULT_COMMAND_GAP_MS = 2_000
/** The tracker's nick when embedded in Vision (§12). */
export const DEFAULT_TRACKER_NICK = 'watcher'
/** IRC channel (`irc.channel`). */
export const DEFAULT_IRC_CHANNEL = '#plebnet123'
/** The original tracker's IRC port (§12). */
export const DEFAULT_TRACKER_IRC_PORT = 6669

/** The commands of one tracker round, in order (§12). */
export const TRACKER_COMMANDS = Object.freeze([
  '!general',
  '!MB_balance',
  '!BTC_balance',
  '!TBTC_balance',
  '!matchmakers',
  '!uploaded',
  '!downloaded',
] as const)

/** Numeric metrics the tracker stores, with their display unit. */
export const METRICS = Object.freeze({
  uploaded: 'MB',
  downloaded: 'MB',
  MB_balance: 'MB',
  BTC_balance: 'BTC',
  TBTC_balance: 'TBTC',
  matchmakers: 'peers',
  lease_left: 's',
  next_child: 'days',
} as const)

/** A numeric metric's name. */
export type MetricName = keyof typeof METRICS

/** Whether `name` is a numeric metric Vision stores. */
export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name)
}

/** Longest reply text the parser looks at (an IRC line is at most 512 bytes). */
export const MAX_REPLY_CHARS = 512
/** Deepest tree path accepted (segments). */
export const MAX_TREE_DEPTH = 64
/** Most points one series route returns (the newest). */
export const MAX_SERIES_POINTS = 10_000
