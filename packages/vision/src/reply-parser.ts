import { MAX_REPLY_CHARS, type MetricName } from './constants.ts'
import type { VisionErrorCode } from './errors.ts'
import { generalFromDict, isTreePath, parsePythonDict, type General } from './general.ts'

/** A reply the tracker can store (AGENT.md §11 reply forms, §12 parsing). */
export type Reply =
  | { readonly kind: 'metric'; readonly metric: MetricName; readonly value: number }
  | { readonly kind: 'general'; readonly general: General }
  | { readonly kind: 'life'; readonly leaseLeftS: number; readonly nextChildDays: number | null }
  | { readonly kind: 'goodbye'; readonly tree: string }

/** A parsed reply, or why the text is not one: never an exception. */
export type ReplyResult =
  | { readonly ok: true; readonly reply: Reply }
  | { readonly ok: false; readonly code: VisionErrorCode; readonly reason: string }

const NUM = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`

// Each form: a loose prefix that says which reply it is, and the anchored, whitespace-tolerant
// full form. Text that has the prefix but not the form is malformed; text with no prefix is unknown.
const BALANCE_PREFIX = /^My\s+(MB|BM|BTC|TBTC)\s+balance\s+is:/
const BALANCE = new RegExp(String.raw`^My\s+(MB|BM|BTC|TBTC)\s+balance\s+is:\s*(${NUM})$`)
const TRAFFIC_PREFIX = /^I\s+currently\s+have\s+(uploaded|downloaded):/
const TRAFFIC = new RegExp(String.raw`^I\s+currently\s+have\s+(uploaded|downloaded):\s*(${NUM})\s*MB$`)
const MATCHMAKERS_PREFIX = /^I\s+currently\s+have:/
const MATCHMAKERS = /^I\s+currently\s+have:\s*(\d+)\s+matchmakers$/
const GENERAL = /^general:\s*(.*)$/
const LIFE_PREFIX = /^My\s+lease\s+ends\s+in\b/
const LIFE = new RegExp(
  String.raw`^My\s+lease\s+ends\s+in\s+(\d+)\s+days?\s*\+\s*(\d+):([0-5]\d):([0-5]\d)\s*;\s*next\s+child(?:\s+in\s+(${NUM})\s+days?|\s*:\s*(?:never|unknown))$`,
)
const GOODBYE = /^goodbye:\s*(\S*)$/

const malformed = (reason: string): ReplyResult => ({ ok: false, code: 'VISION_REPLY_MALFORMED', reason })

// A figure the agent does not know yet (the bot answers `unknown`, e.g. before its first ledger read).
const NOT_KNOWN =
  /^(?:My\s+(?:MB|BM|BTC|TBTC)\s+balance\s+is:|I\s+currently\s+have(?:\s+(?:uploaded|downloaded))?:)\s*unknown\b/

/** A finite number, or undefined. */
function finite(text: string | undefined): number | undefined {
  const n = Number(text)
  return text === undefined || !Number.isFinite(n) ? undefined : n
}

/**
 * Reads one reply text (the trailing parameter of a PRIVMSG). Returns the stored form of every §11
 * reply the tracker asks for, plus `!life` and the `goodbye: <tree>` line; `VISION_REPLY_UNKNOWN` for
 * any other text (jokes, heartbeats, a tracker's own commands) and `VISION_REPLY_MALFORMED` for a
 * known reply whose value cannot be read.
 */
export function parseReply(input: string): ReplyResult {
  if (input.length > MAX_REPLY_CHARS)
    return malformed(`reply of ${input.length} chars is longer than an IRC line`)
  const text = input.trim()
  if (NOT_KNOWN.test(text))
    return {
      ok: false,
      code: 'VISION_REPLY_UNKNOWN',
      reason: `the agent does not know this figure yet: ${text}`,
    }

  if (BALANCE_PREFIX.test(text)) {
    const m = BALANCE.exec(text)
    const value = finite(m?.[2])
    if (m === null || value === undefined) return malformed(`balance without a number: ${text}`)
    const coin = m[1] === 'BM' ? 'MB' : m[1]
    return { ok: true, reply: { kind: 'metric', metric: `${coin}_balance` as MetricName, value } }
  }
  if (TRAFFIC_PREFIX.test(text)) {
    const m = TRAFFIC.exec(text)
    const value = finite(m?.[2])
    if (m === null || value === undefined) return malformed(`traffic without MB: ${text}`)
    return { ok: true, reply: { kind: 'metric', metric: m[1] as 'uploaded' | 'downloaded', value } }
  }
  if (MATCHMAKERS_PREFIX.test(text)) {
    const m = MATCHMAKERS.exec(text)
    const value = finite(m?.[1])
    if (m === null || value === undefined) return malformed(`matchmakers without a count: ${text}`)
    return { ok: true, reply: { kind: 'metric', metric: 'matchmakers', value } }
  }
  const general = GENERAL.exec(text)
  if (general !== null) {
    const dict = parsePythonDict(general[1] ?? '')
    if (!dict.ok) return malformed(`general: ${dict.reason}`)
    const read = generalFromDict(dict.value)
    if (!read.ok)
      return {
        ok: false,
        code: read.reason.startsWith('tree') ? 'VISION_TREE_INVALID' : 'VISION_REPLY_MALFORMED',
        reason: `general: ${read.reason}`,
      }
    return { ok: true, reply: { kind: 'general', general: read.general } }
  }
  if (LIFE_PREFIX.test(text)) {
    const m = LIFE.exec(text)
    if (m === null) return malformed(`life reply not understood: ${text}`)
    const [days, hours, minutes, seconds] = m.slice(1, 5).map(Number) as [number, number, number, number]
    const nextChildDays = m[5] === undefined ? null : finite(m[5])
    if (nextChildDays === undefined) return malformed(`life reply with a bad next-child time: ${text}`)
    return {
      ok: true,
      reply: { kind: 'life', leaseLeftS: ((days * 24 + hours) * 60 + minutes) * 60 + seconds, nextChildDays },
    }
  }
  const goodbye = GOODBYE.exec(text)
  if (goodbye !== null) {
    const tree = goodbye[1] ?? ''
    if (!isTreePath(tree))
      return { ok: false, code: 'VISION_TREE_INVALID', reason: `goodbye of a bad tree path: ${tree}` }
    return { ok: true, reply: { kind: 'goodbye', tree } }
  }
  return { ok: false, code: 'VISION_REPLY_UNKNOWN', reason: `not a tracked reply: ${text.slice(0, 80)}` }
}

/** A PRIVMSG line read from the wire. */
export interface Privmsg {
  readonly nick: string
  readonly target: string
  readonly text: string
}

const PRIVMSG = /^(?:@\S+\s+)?:([^\s!@]+)(?:![^\s@]*)?(?:@\S*)?\s+PRIVMSG\s+(\S+)\s+:?(.*)$/

/**
 * Reads a raw `:<nick>!<user>@<host> PRIVMSG <target> :<text>` line (an optional IRCv3 tag block
 * first); the sender nick is the text between `:` and `!` (§12). Undefined for any other line.
 */
export function parsePrivmsgLine(line: string): Privmsg | undefined {
  const m = PRIVMSG.exec(line.replace(/\r?\n$/, ''))
  if (m === null) return undefined
  return { nick: m[1] ?? '', target: m[2] ?? '', text: m[3] ?? '' }
}
