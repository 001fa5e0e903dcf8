import { MAX_REPLY_CHARS, MAX_TREE_DEPTH } from './constants.ts'

/** What a `!general` reply says about an agent (AGENT.md §11). */
export interface General {
  readonly host: string
  readonly option: string
  readonly vpn: boolean
  readonly tree: string
  readonly exitnode: boolean
}

/** A scalar of a Python dict repr. */
type PyScalar = string | number | boolean | null

/** The outcome of reading a reply's dict; `reason` says what is wrong. */
export type DictResult =
  | { readonly ok: true; readonly value: Readonly<Record<string, PyScalar>> }
  | { readonly ok: false; readonly reason: string }

const SEGMENT = /^[A-Za-z0-9_\-[\]\\^{}|`]+$/

/**
 * Whether `tree` is a tree path: dot-separated non-empty segments of nick characters (the root is the
 * genesis nick, each child adds its index), at most MAX_TREE_DEPTH deep.
 */
export function isTreePath(tree: string): boolean {
  if (tree.length === 0 || tree.length > MAX_REPLY_CHARS) return false
  const segments = tree.split('.')
  return segments.length <= MAX_TREE_DEPTH && segments.every((s) => SEGMENT.test(s))
}

/** The parent of a tree path (the path minus its last segment), or undefined for a root. */
export function parentOf(tree: string): string | undefined {
  const dot = tree.lastIndexOf('.')
  return dot < 0 ? undefined : tree.slice(0, dot)
}

/**
 * Reads a flat Python dict repr (`{'host': 'linevast', 'vpn': True}`): quoted keys, values that are
 * strings (`'…'`, `"…"`, with an optional `u` prefix and backslash escapes), `True`/`False`/`None` or
 * numbers. It is the §12 conversion to JSON done by a tokenizer rather than by replacing quotes, so a
 * quote inside a value cannot break it. Also reads the same dict written as JSON.
 */
export function parsePythonDict(text: string): DictResult {
  const src = text.trim()
  if (src.length > MAX_REPLY_CHARS) return { ok: false, reason: 'longer than an IRC line' }
  let i = 0
  const fail = (what: string): DictResult => ({ ok: false, reason: `${what} at offset ${i}` })
  const skip = (): void => {
    while (i < src.length && /\s/.test(src[i] ?? '')) i++
  }
  const readString = (): string | undefined => {
    if (src[i] === 'u' || src[i] === 'U') i++
    const quote = src[i]
    if (quote !== "'" && quote !== '"') return undefined
    i++
    let out = ''
    while (i < src.length && src[i] !== quote) {
      if (src[i] === '\\') {
        i++
        const c = src[i]
        if (c === undefined) return undefined
        out += c === 'n' ? '\n' : c === 't' ? '\t' : c
      } else out += src[i]
      i++
    }
    if (src[i] !== quote) return undefined
    i++
    return out
  }
  const readValue = (): PyScalar | undefined => {
    const c = src[i]
    if (c === "'" || c === '"' || ((c === 'u' || c === 'U') && (src[i + 1] === "'" || src[i + 1] === '"')))
      return readString()
    const word = /^(True|False|None|true|false|null|[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(
      src.slice(i),
    )
    if (word?.[1] === undefined) return undefined
    i += word[1].length
    const w = word[1]
    if (w === 'True' || w === 'true') return true
    if (w === 'False' || w === 'false') return false
    if (w === 'None' || w === 'null') return null
    const n = Number(w)
    return Number.isFinite(n) ? n : undefined
  }
  if (src[i] !== '{') return fail('expected {')
  i++
  const out: Record<string, PyScalar> = {}
  skip()
  if (src[i] === '}') i++
  else
    for (let entries = 0; ; entries++) {
      if (entries > 64) return fail('too many entries')
      skip()
      const key = readString()
      if (key === undefined) return fail('expected a quoted key')
      skip()
      if (src[i] !== ':') return fail('expected :')
      i++
      skip()
      const value = readValue()
      if (value === undefined) return fail('expected a value')
      if (Object.hasOwn(out, key)) return fail(`duplicate key ${key}`)
      out[key] = value
      skip()
      if (src[i] === ',') {
        i++
        continue
      }
      if (src[i] === '}') {
        i++
        break
      }
      return fail('expected , or }')
    }
  skip()
  if (i !== src.length) return fail('text after }')
  return { ok: true, value: Object.freeze(out) }
}

/** The General of a dict, or the reason it is not one (tree and host are required). */
export function generalFromDict(
  dict: Readonly<Record<string, PyScalar>>,
): { ok: true; general: General } | { ok: false; reason: string } {
  const { host, option, vpn, tree, exitnode } = dict
  if (typeof tree !== 'string' || !isTreePath(tree))
    return { ok: false, reason: `tree ${String(tree)} is not a tree path` }
  if (typeof host !== 'string') return { ok: false, reason: 'host is not a string' }
  if (option !== undefined && typeof option !== 'string')
    return { ok: false, reason: 'option is not a string' }
  if (vpn !== undefined && typeof vpn !== 'boolean') return { ok: false, reason: 'vpn is not True or False' }
  if (exitnode !== undefined && typeof exitnode !== 'boolean')
    return { ok: false, reason: 'exitnode is not True or False' }
  return {
    ok: true,
    general: Object.freeze({
      host,
      option: option ?? '',
      vpn: vpn ?? false,
      tree,
      exitnode: exitnode ?? false,
    }),
  }
}
