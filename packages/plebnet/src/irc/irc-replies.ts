import { formatBtc } from '@dolly/base'
import { pyBool, pyStr } from './python-repr.ts'
import { qtableRows, type QTableView } from './qtable-rows.ts'
import { IrcError } from './errors.ts'

/**
 * The bot's replies (AGENT.md §11), byte-exact: trackers split them on single spaces and count words
 * (§12), so every space matters, the double one after `BTC balance is:` included. Pure: the values
 * come in an {@link IrcSnapshot}, the time in ms.
 */

/** What the replies show of the agent; null where the agent does not know (yet). */
export interface IrcSnapshot {
  /** `vps.initdate` (`%H:%M:%S %d-%m-%Y`). */
  readonly initDate: string
  /** The MB wallet: the agent's ledger key (hex); null without one. */
  readonly mbWallet: string | null
  /** The coin wallet's receive address; null without a wallet. */
  readonly coinWallet: string | null
  /** Whether the agent's coins are testnet coins (`TBTC`) rather than `BTC`. */
  readonly testnet: boolean
  /** MB token balance on the ledger, bytes (may be negative). */
  readonly mbBalanceBytes: bigint | null
  /** Spendable coins, sats. */
  readonly coinSats: bigint | null
  /** Matchmakers the agent's market uses. */
  readonly matchmakers: number
  /** Ledger totals (`total_up`, `total_down` of the latest own bandwidth block), bytes. */
  readonly uploadedBytes: bigint | null
  readonly downloadedBytes: bigint | null
  /** Distinct peers this agent gave bandwidth to (`peers_that_pk_helped`) and took it from. */
  readonly helped: number | null
  readonly helpedBy: number | null
  /** `!general`. */
  readonly general: {
    readonly host: string
    readonly option: string
    readonly vpn: boolean
    readonly tree: string
    readonly exitnode: boolean
  }
  /** `!life` (§15): world ms left on the lease and days until the next child is affordable (null: never). */
  readonly life: {
    readonly leaseRemainingMs: number
    readonly nextChildDays: number | null | 'unknown'
  } | null
  /** The Q-table for `!qtables<N>`; null before the first tick. */
  readonly qtable: QTableView | null
}

/** Replies of one command: lines to post in order, each `gapMs` after the previous. */
export interface CommandReply {
  readonly lines: readonly string[]
  /** Minimum ms between two of these lines (`!qtables`: 3 s). */
  readonly gapMs: number
  /** The handler's exception after its lines (`!error`); the bot reports it. */
  readonly error?: unknown
}

/** Ms between `!qtables` rows (the original's `time.sleep(3)`). */
export const QTABLE_ROW_GAP_MS = 3_000

/** The joke of `!joke`. */
export const JOKE = 'Q: Why did the hipster burn his tongue? A: He ate the pizza before it was cool.'

const DAY_MS = 86_400_000

function two(n: number): string {
  return String(n).padStart(2, '0')
}

/** `HH:MM:SS` of `ms` (whole seconds, rounded down; hours not wrapped at 24). */
export function clockText(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000)
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`
}

/** `<D> days + HH:MM:SS` of `ms` (§11 `!alive` **[fix]**: D is whole days, the clock the rest). */
export function daysClockText(ms: number): string {
  const clamped = Math.max(0, ms)
  const days = Math.floor(clamped / DAY_MS)
  return `${days} days + ${clockText(clamped - days * DAY_MS)}`
}

/** MB of a byte amount (MB = bytes / 2^20), two decimals, as `plebnet status` shows it. */
export function mbText(bytes: bigint): string {
  return (Number(bytes) / 2 ** 20).toFixed(2)
}

/** The heartbeat line (§11 **[fix]**: every `irc.timeout` s, not once). */
export function heartbeatLine(uptimeMs: number): string {
  return `IRC is still running - alive for ${clockText(uptimeMs)}`
}

/** The line posted for a reported error (§14): `A error occurred in <component> <message>`, one line. */
export function errorLine(component: string, message: string): string {
  return `A error occurred in ${oneLine(component)} ${oneLine(message)}`
}

/** The `!general` reply: a Python dict repr in the original's key order. */
export function generalLine(g: IrcSnapshot['general']): string {
  return `general: {'host': ${pyStr(g.host)}, 'option': ${pyStr(g.option)}, 'vpn': ${pyBool(g.vpn)}, 'tree': ${pyStr(g.tree)}, 'exitnode': ${pyBool(g.exitnode)}}`
}

/** The `!life` reply (§15). */
export function lifeLine(life: IrcSnapshot['life']): string {
  if (life === null) return 'My lease end is not known yet'
  const next =
    life.nextChildDays === 'unknown'
      ? 'next child: unknown'
      : life.nextChildDays === null
        ? 'next child: never'
        : `next child in ${life.nextChildDays.toFixed(1)} days`
  return `My lease ends in ${daysClockText(life.leaseRemainingMs)}; ${next}`
}

function amount(value: bigint | null, format: (v: bigint) => string): string {
  return value === null ? 'unknown' : format(value)
}

function count(value: number | null): string {
  return value === null ? 'unknown' : String(value)
}

/** Collapses CR/LF and other controls to spaces: one IRC line can carry no line break. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ')
}

/** Every command the bot answers (§11 table; `!qtables<N>` is matched apart). */
export const COMMANDS = [
  'alive',
  'error',
  'init',
  'joke',
  'MB_wallet',
  'BTC_wallet',
  'TBTC_wallet',
  'MB_balance',
  'BTC_balance',
  'TBTC_balance',
  'matchmakers',
  'uploaded',
  'downloaded',
  'helped',
  'helped_by',
  'general',
  'life',
] as const

/** A command of the table. */
export type IrcCommand = (typeof COMMANDS)[number] | 'qtables'

/** Whether `name` (the word after `:!`) is a command, given the bot's `!qtables<N>` suffix. */
export function commandOf(name: string, qtablesSuffix: string): IrcCommand | undefined {
  if (name === `qtables${qtablesSuffix}`) return 'qtables'
  return (COMMANDS as readonly string[]).includes(name) ? (name as IrcCommand) : undefined
}

const single = (line: string): CommandReply => ({ lines: [line], gapMs: 0 })

/**
 * The reply of `command` from `snapshot`, `uptimeMs` after the bot started. `!error` replies, then
 * returns its exception as `error` (the handler "throws", as the original's did to test the path).
 */
export function replyTo(command: IrcCommand, snapshot: IrcSnapshot, uptimeMs: number): CommandReply {
  const s = snapshot
  const coin = s.testnet ? 'TBTC' : 'BTC'
  switch (command) {
    case 'alive':
      return single(`I am alive, for ${daysClockText(uptimeMs)}`)
    case 'error':
      return {
        lines: ['Let me create an error ...'],
        gapMs: 0,
        error: new IrcError('IRC_TEST_ERROR', 'This is a test error raised by !error', {}),
      }
    case 'init':
      return single(`My init date is: ${s.initDate}`)
    case 'joke':
      return single(JOKE)
    case 'MB_wallet':
      return single(s.mbWallet === null ? 'No MB wallet found' : `My MB wallet is: ${s.mbWallet}`)
    case 'BTC_wallet':
    case 'TBTC_wallet': {
      const asked = command === 'BTC_wallet' ? 'BTC' : 'TBTC'
      return single(
        s.coinWallet === null || asked !== coin
          ? `No ${asked} wallet found`
          : `My ${asked} wallet is: ${s.coinWallet}`,
      )
    }
    case 'MB_balance':
      return single(`My MB balance is: ${amount(s.mbBalanceBytes, mbText)}`)
    case 'BTC_balance':
      // Two spaces after the colon (§11): the tracker reads words[8].
      return single(
        `My BTC balance is:  ${coin === 'BTC' ? amount(s.coinSats, (v) => formatBtc(v)) : formatBtc(0n)}`,
      )
    case 'TBTC_balance':
      return single(
        `My TBTC balance is: ${coin === 'TBTC' ? amount(s.coinSats, (v) => formatBtc(v)) : formatBtc(0n)}`,
      )
    case 'matchmakers':
      return single(`I currently have: ${s.matchmakers} matchmakers`)
    case 'uploaded':
      return single(`I currently have uploaded: ${amount(s.uploadedBytes, mbText)} MB`)
    case 'downloaded':
      return single(`I currently have downloaded: ${amount(s.downloadedBytes, mbText)} MB`)
    case 'helped':
      return single(`I currently have helped: ${count(s.helped)} peers`)
    case 'helped_by':
      return single(`I am currently helped by: ${count(s.helpedBy)} peers`)
    case 'general':
      return single(generalLine(s.general))
    case 'life':
      return single(lifeLine(s.life))
    case 'qtables':
      return s.qtable === null
        ? single('No Q-table yet')
        : { lines: qtableRows(s.qtable), gapMs: QTABLE_ROW_GAP_MS }
  }
}
