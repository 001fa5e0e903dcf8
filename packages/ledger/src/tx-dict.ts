import { MAX_TRANSACTION_BYTES, MAX_UINT64 } from './constants.ts'
import { LedgerError } from './errors.ts'

/**
 * The "encoded dict" of a transaction (ALGORITHMS.md §8), in one canonical binary form so that a
 * signature covers exactly one byte string per dict: u8 entry count, then per entry, keys in
 * strictly ascending byte order: u8 key length, ASCII key `[a-z0-9_]{1,32}`, u8 tag, value.
 * Tag 0x01 = uint64 big-endian; tag 0x02 = u16 length + bytes.
 */

/** A transaction value: an unsigned 64-bit integer or a byte string. */
export type TxValue = bigint | Uint8Array
/** A decoded transaction dict. */
export type TxDict = Readonly<Record<string, TxValue>>

const KEY_RE = /^[a-z0-9_]{1,32}$/
const TAG_UINT = 0x01
const TAG_BYTES = 0x02
const MAX_ENTRIES = 255

/** Encodes a dict canonically; throws LEDGER_TX_MALFORMED for keys or values outside the format (a caller bug). */
export function encodeTxDict(dict: TxDict): Uint8Array {
  const keys = Object.keys(dict).sort(compareKeys)
  if (keys.length > MAX_ENTRIES) throw malformed(`${keys.length} entries, at most ${MAX_ENTRIES}`)
  const parts: Uint8Array[] = [Uint8Array.of(keys.length)]
  for (const key of keys) {
    if (!KEY_RE.test(key)) throw malformed(`key ${JSON.stringify(key)} is not 1-32 of [a-z0-9_]`)
    const value = dict[key]
    parts.push(Uint8Array.of(key.length), new Uint8Array(Buffer.from(key, 'ascii')))
    if (typeof value === 'bigint') {
      if (value < 0n || value > MAX_UINT64) throw malformed(`${key} = ${value} is not a uint64`)
      const v = Buffer.alloc(9)
      v[0] = TAG_UINT
      v.writeBigUInt64BE(value, 1)
      parts.push(v)
    } else if (value instanceof Uint8Array) {
      if (value.byteLength > 0xffff) throw malformed(`${key} holds ${value.byteLength} bytes`)
      const head = Buffer.alloc(3)
      head[0] = TAG_BYTES
      head.writeUInt16BE(value.byteLength, 1)
      parts.push(head, value)
    } else {
      throw malformed(`${key} has no value`)
    }
  }
  const out = Buffer.concat(parts)
  if (out.byteLength > MAX_TRANSACTION_BYTES) throw malformed(`encoded dict is ${out.byteLength} bytes`)
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** Decodes untrusted transaction bytes; undefined for anything but the canonical form. */
export function decodeTxDict(bytes: Uint8Array): TxDict | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.byteLength < 1) return undefined
  const count = buf[0] ?? 0
  let o = 1
  const dict: Record<string, TxValue> = Object.create(null) as Record<string, TxValue>
  let previous: string | undefined
  for (let i = 0; i < count; i++) {
    if (o + 1 > buf.byteLength) return undefined
    const keyLength = buf[o] ?? 0
    o += 1
    if (o + keyLength + 1 > buf.byteLength) return undefined
    const key = buf.toString('latin1', o, o + keyLength)
    o += keyLength
    if (!KEY_RE.test(key) || (previous !== undefined && compareKeys(previous, key) >= 0)) return undefined
    previous = key
    const tag = buf[o]
    o += 1
    if (tag === TAG_UINT) {
      if (o + 8 > buf.byteLength) return undefined
      dict[key] = buf.readBigUInt64BE(o)
      o += 8
    } else if (tag === TAG_BYTES) {
      if (o + 2 > buf.byteLength) return undefined
      const length = buf.readUInt16BE(o)
      o += 2
      if (o + length > buf.byteLength) return undefined
      dict[key] = new Uint8Array(buf.subarray(o, o + length))
      o += length
    } else {
      return undefined
    }
  }
  return o === buf.byteLength ? dict : undefined
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function malformed(reason: string): LedgerError {
  return new LedgerError('LEDGER_TX_MALFORMED', `cannot encode transaction: ${reason}`)
}
