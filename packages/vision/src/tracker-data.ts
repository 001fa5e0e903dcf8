import { isMetricName } from './constants.ts'
import type { VisionErrorCode } from './errors.ts'
import { generalFromDict, isTreePath, parsePythonDict, type General } from './general.ts'
import type { Observation } from './observation.ts'
import { formatStamp, parseStamp } from './time-format.ts'

/** A `tracker.data` line read, or why not. */
export type TrackerDataResult =
  | { readonly ok: true; readonly observation: Observation }
  | { readonly ok: false; readonly code: VisionErrorCode; readonly reason: string }

const NICK = /^[A-Za-z_[\]\\^{}|`][A-Za-z0-9_\-[\]\\^{}|`]*$/

const bad = (reason: string): TrackerDataResult => ({ ok: false, code: 'VISION_DATA_MALFORMED', reason })

/** A Python dict repr of a General, key order as §11 shows it. */
export function generalRepr(g: General): string {
  const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const b = (v: boolean): string => (v ? 'True' : 'False')
  return `{'host': ${q(g.host)}, 'option': ${q(g.option)}, 'vpn': ${b(g.vpn)}, 'tree': ${q(g.tree)}, 'exitnode': ${b(g.exitnode)}}`
}

/**
 * Reads one line of the legacy `tracker.data` (§12): `<YYYY-MM-DD HH:MM:SS,mmm>;<nick>;<key>;<value>`,
 * the stamp read as UTC. Keys are the §12 ones, the legacy `BM_balance` read as `MB_balance`, plus
 * Vision's own `lease_left`, `next_child` and `goodbye`. A `general` value is the dict repr (or JSON).
 */
export function parseTrackerDataLine(line: string): TrackerDataResult {
  const parts = line.replace(/\r?\n$/, '').split(';')
  if (parts.length < 4) return bad(`expected 4 fields separated by ;, got ${parts.length}`)
  const [stamp = '', nickRaw = '', keyRaw = ''] = parts
  const value = parts.slice(3).join(';').trim()
  const atMs = parseStamp(stamp)
  if (atMs === undefined) return bad(`bad time stamp ${stamp.slice(0, 40)}`)
  const nick = nickRaw.trim()
  if (!NICK.test(nick) || nick.length > 64) return bad(`bad nick ${nick.slice(0, 40)}`)
  const key = keyRaw.trim() === 'BM_balance' ? 'MB_balance' : keyRaw.trim()
  if (key === 'general') {
    const dict = parsePythonDict(value)
    if (!dict.ok) return bad(`general: ${dict.reason}`)
    const g = generalFromDict(dict.value)
    if (!g.ok) return bad(`general: ${g.reason}`)
    return { ok: true, observation: { kind: 'general', atMs, nick, general: g.general } }
  }
  if (key === 'goodbye') {
    if (!isTreePath(value)) return bad(`goodbye of a bad tree path ${value.slice(0, 40)}`)
    return { ok: true, observation: { kind: 'goodbye', atMs, nick, tree: value } }
  }
  if (!isMetricName(key)) return bad(`unknown key ${key.slice(0, 40)}`)
  const n = value === '' ? Number.NaN : Number(value)
  if (!Number.isFinite(n)) return bad(`${key} value ${value.slice(0, 40)} is not a number`)
  return { ok: true, observation: { kind: 'metric', atMs, nick, metric: key, value: n } }
}

/** The `tracker.data` line of an observation (no newline). */
export function formatTrackerDataLine(o: Observation): string {
  const head = `${formatStamp(o.atMs, ',')};${o.nick}`
  switch (o.kind) {
    case 'metric':
      return `${head};${o.metric};${o.value}`
    case 'general':
      return `${head};general;${generalRepr(o.general)}`
    case 'goodbye':
      return `${head};goodbye;${o.tree}`
  }
}
