import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HANDSHAKE_BODY_BYTES } from './cells.ts'
import { decodeMessage, encodeMessage, encodeMessageParts, type Message } from './messages.ts'
import { MAX_DATAGRAM_BYTES, MAX_STREAM_CHUNK_BYTES } from './constants.ts'
import { errorCode } from '@dolly/base'

const body = new Uint8Array(HANDSHAKE_BODY_BYTES).fill(7)
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (err) {
    return errorCode(err)
  }
  return undefined
}
const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s/g, ''), 'hex')

describe('messages', () => {
  const valid: Message[] = [
    { kind: 'extend', peerId: '12D3KooWabc', create: body },
    { kind: 'extended', created: body },
    { kind: 'begin', streamId: 1, host: 'example.org', port: 443 },
    { kind: 'begin', streamId: 2, host: '2001:db8::1', port: 80 },
    { kind: 'connected', streamId: 3 },
    { kind: 'data', streamId: 4, data: new Uint8Array(MAX_STREAM_CHUNK_BYTES).fill(1) },
    { kind: 'end', streamId: 5, reason: 'policy' },
    { kind: 'sendme', streamId: 6 },
    { kind: 'keepalive' },
    { kind: 'datagram', host: '10.0.0.1', port: 0, data: new Uint8Array(0) },
    { kind: 'datagram', host: 'dht.example', port: 6881, data: new Uint8Array(MAX_DATAGRAM_BYTES) },
  ]
  it.each(valid.map((m) => [m.kind, m] as const))('round-trips %s', (_k, msg) => {
    const norm = (m: Message): Record<string, unknown> =>
      Object.fromEntries(
        Object.entries(m).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v]),
      )
    expect(norm(decodeMessage(encodeMessage(msg)))).toEqual(norm(msg))
  })

  it('round-trips any data and datagram payload (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0xffff_ffff }),
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        (streamId, data) => {
          const m = decodeMessage(encodeMessage({ kind: 'data', streamId, data }))
          expect(m.kind === 'data' && m.streamId === streamId && Buffer.from(m.data).equals(data)).toBe(true)
          const d = decodeMessage(encodeMessage({ kind: 'datagram', host: 'h.test', port: 9, data }))
          expect(d.kind === 'datagram' && Buffer.from(d.data).equals(data)).toBe(true)
        },
      ),
    )
  })

  const invalid: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['unknown type 0x42', hex('42')],
    ['begin with a space in the host', Buffer.concat([hex('03 00000001 0050 03'), Buffer.from('a b')])],
    ['begin to port 0', Buffer.concat([hex('03 00000001 0000 01'), Buffer.from('a')])],
    ['begin whose host runs past the end', Buffer.concat([hex('03 00000001 0050 09'), Buffer.from('a')])],
    ['begin on stream 0', Buffer.concat([hex('03 00000000 0050 01'), Buffer.from('a')])],
    ['data without bytes', hex('05 00000001')],
    ['end with reason 99', hex('06 00000001 63')],
    ['connected with a trailing byte', hex('04 00000001 00')],
    ['extend with a short CREATE', Buffer.concat([hex('01 01'), Buffer.from('p'), new Uint8Array(10)])],
    ['extended with 63 bytes', Buffer.concat([hex('02'), new Uint8Array(63)])],
    ['datagram with a NUL in the host', Buffer.concat([hex('08 0035 01 00')])],
  ]
  it.each(invalid)('rejects %s with TUNNEL_CELL_MALFORMED', (_name, bytes) => {
    expect(codeOf(() => decodeMessage(bytes))).toBe('TUNNEL_CELL_MALFORMED')
  })

  it('refuses to encode a chunk above one cell', () => {
    expect(
      codeOf(() =>
        encodeMessage({ kind: 'data', streamId: 1, data: new Uint8Array(MAX_STREAM_CHUNK_BYTES + 1) }),
      ),
    ).toBe('TUNNEL_CELL_OVERSIZED')
    for (const data of [new Uint8Array(MAX_STREAM_CHUNK_BYTES + 1), new Uint8Array(0)]) {
      expect(codeOf(() => encodeMessageParts({ kind: 'data', streamId: 1, data }))).toBe(
        'TUNNEL_CELL_OVERSIZED',
      )
    }
    expect(codeOf(() => encodeMessageParts({ kind: 'data', streamId: 0, data: body }))).toBe(
      'TUNNEL_CELL_MALFORMED',
    )
  })

  it.each(valid.map((m) => [m.kind, m] as const))(
    'encodes %s as parts that join to encodeMessage',
    (_k, msg) => {
      const parts = encodeMessageParts(msg)
      expect(Buffer.concat(parts)).toEqual(Buffer.from(encodeMessage(msg)))
      // DATA hands the caller's buffer on as its own part (sealed from there, not copied).
      if (msg.kind === 'data') expect(parts[1]).toBe(msg.data)
    },
  )
})
