import { MAX_BLOCK_BYTES, MAX_CRAWL_BLOCKS, PUBLIC_KEY_BYTES } from '../constants.ts'
import { isCrawlSeq } from '../crawl-range.ts'
import { LedgerError } from '../errors.ts'
import type { LedgerRequest, LedgerResponse } from '../ports.ts'

/**
 * Wire format of the ledger protocol's messages (ours; py-ipv8 used separate UDP payloads).
 * One tag byte, then: propose = block bytes; crawl = pk(32) start(int32) end(int32);
 * agreement = block bytes; refused = u8 code length, ASCII code, u16 reason length, UTF-8 reason;
 * blocks = u8 count (≤ 100), then per block u16 length + bytes.
 */

const TAG = { propose: 0x01, crawl: 0x02, agreement: 0x81, refused: 0x82, blocks: 0x83 } as const
const MAX_REASON_BYTES = 1024
const CODE_RE = /^[A-Z0-9_]{1,64}$/

/** Largest message, bytes: a full crawl reply. */
export const MAX_MESSAGE_BYTES = 2 + MAX_CRAWL_BLOCKS * (2 + MAX_BLOCK_BYTES)

/** Encodes a request. */
export function encodeRequest(request: LedgerRequest): Uint8Array {
  switch (request.kind) {
    case 'propose':
      return concat(Uint8Array.of(TAG.propose), request.proposal)
    case 'crawl': {
      const buf = Buffer.alloc(1 + PUBLIC_KEY_BYTES + 8)
      buf[0] = TAG.crawl
      buf.set(request.publicKey, 1)
      buf.writeInt32BE(request.startSeq, 1 + PUBLIC_KEY_BYTES)
      buf.writeInt32BE(request.endSeq, 5 + PUBLIC_KEY_BYTES)
      return new Uint8Array(buf)
    }
    default:
      return unreachable(request)
  }
}

/** Decodes a request from a peer; undefined when malformed. */
export function decodeRequest(bytes: Uint8Array): LedgerRequest | undefined {
  if (bytes.byteLength < 1 || bytes.byteLength > MAX_MESSAGE_BYTES) return undefined
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf[0] === TAG.propose) {
    return bytes.byteLength - 1 > MAX_BLOCK_BYTES
      ? undefined
      : { kind: 'propose', proposal: new Uint8Array(bytes.subarray(1)) }
  }
  if (buf[0] === TAG.crawl && bytes.byteLength === 1 + PUBLIC_KEY_BYTES + 8) {
    const startSeq = buf.readInt32BE(1 + PUBLIC_KEY_BYTES)
    const endSeq = buf.readInt32BE(5 + PUBLIC_KEY_BYTES)
    if (!isCrawlSeq(startSeq) || !isCrawlSeq(endSeq)) return undefined
    return {
      kind: 'crawl',
      publicKey: new Uint8Array(bytes.subarray(1, 1 + PUBLIC_KEY_BYTES)),
      startSeq,
      endSeq,
    }
  }
  return undefined
}

/** Encodes a response. */
export function encodeResponse(response: LedgerResponse): Uint8Array {
  switch (response.kind) {
    case 'agreement':
      return concat(Uint8Array.of(TAG.agreement), response.agreement)
    case 'refused': {
      const code = Buffer.from(
        CODE_RE.test(response.code) ? response.code : 'LEDGER_PROPOSAL_REFUSED',
        'ascii',
      )
      const reason = Buffer.from(response.reason, 'utf8').subarray(0, MAX_REASON_BYTES)
      const head = Buffer.alloc(2 + code.length + 2)
      head[0] = TAG.refused
      head[1] = code.length
      head.set(code, 2)
      head.writeUInt16BE(reason.length, 2 + code.length)
      return concat(head, reason)
    }
    case 'blocks': {
      const parts: Uint8Array[] = [Uint8Array.of(TAG.blocks, response.blocks.length)]
      for (const block of response.blocks) {
        const length = Buffer.alloc(2)
        length.writeUInt16BE(block.byteLength)
        parts.push(length, block)
      }
      return concat(...parts)
    }
    default:
      return unreachable(response)
  }
}

/** Decodes a response from a peer; undefined when malformed. */
export function decodeResponse(bytes: Uint8Array): LedgerResponse | undefined {
  if (bytes.byteLength < 1 || bytes.byteLength > MAX_MESSAGE_BYTES) return undefined
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  switch (buf[0]) {
    case TAG.agreement:
      return bytes.byteLength - 1 > MAX_BLOCK_BYTES
        ? undefined
        : { kind: 'agreement', agreement: new Uint8Array(bytes.subarray(1)) }
    case TAG.refused: {
      if (buf.byteLength < 2) return undefined
      const codeLength = buf[1] ?? 0
      if (buf.byteLength < 2 + codeLength + 2) return undefined
      const code = buf.toString('latin1', 2, 2 + codeLength)
      const reasonLength = buf.readUInt16BE(2 + codeLength)
      if (!CODE_RE.test(code) || buf.byteLength !== 4 + codeLength + reasonLength) return undefined
      return { kind: 'refused', code, reason: buf.toString('utf8', 4 + codeLength) }
    }
    case TAG.blocks: {
      if (buf.byteLength < 2) return undefined
      const count = buf[1] ?? 0
      if (count > MAX_CRAWL_BLOCKS) return undefined
      const blocks: Uint8Array[] = []
      let o = 2
      for (let i = 0; i < count; i++) {
        if (o + 2 > buf.byteLength) return undefined
        const length = buf.readUInt16BE(o)
        o += 2
        if (length > MAX_BLOCK_BYTES || o + length > buf.byteLength) return undefined
        blocks.push(new Uint8Array(bytes.subarray(o, o + length)))
        o += length
      }
      return o === buf.byteLength ? { kind: 'blocks', blocks } : undefined
    }
    default:
      return undefined
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = Buffer.concat(parts)
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

function unreachable(value: never): never {
  throw new LedgerError('LEDGER_MESSAGE_MALFORMED', `unhandled message kind in ${JSON.stringify(value)}`)
}
