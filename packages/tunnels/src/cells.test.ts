import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeFrame,
  DESTROY_REASONS,
  encodeFrame,
  FRAME_HEADER_BYTES,
  HANDSHAKE_BODY_BYTES,
  LAYER_OVERHEAD_BYTES,
  writeRelayHeader,
  type Frame,
} from './cells.ts'
import { MAX_FRAME_BYTES } from './constants.ts'
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

describe('link frames', () => {
  const valid: Frame[] = [
    { kind: 'create', circuitId: 1, body },
    { kind: 'created', circuitId: 0xffff_ffff, body },
    { kind: 'relay-fwd', circuitId: 5, onion: new Uint8Array(LAYER_OVERHEAD_BYTES) },
    { kind: 'relay-bwd', circuitId: 6, onion: new Uint8Array(MAX_FRAME_BYTES - 5) },
    { kind: 'destroy-fwd', circuitId: 7, reason: 'TUNNEL_CELL_AUTH_FAILED' },
    { kind: 'destroy-bwd', circuitId: 8, reason: 'TUNNEL_CIRCUIT_LIMIT' },
  ]
  it.each(valid.map((f) => [f.kind, f] as const))('round-trips %s', (_k, frame) => {
    expect(decodeFrame(encodeFrame(frame))).toEqual({
      ...frame,
      ...('body' in frame ? { body: Buffer.from(frame.body) } : {}),
      ...('onion' in frame ? { onion: Buffer.from(frame.onion) } : {}),
    })
  })

  it('pins the wire layout of a DESTROY', () => {
    expect(
      Buffer.from(
        encodeFrame({ kind: 'destroy-bwd', circuitId: 0x01020304, reason: 'TUNNEL_CIRCUIT_LIMIT' }),
      ).toString('hex'),
    ).toBe(`0102030406${DESTROY_REASONS.indexOf('TUNNEL_CIRCUIT_LIMIT').toString(16).padStart(2, '0')}`)
  })

  const invalid: [string, Uint8Array, string][] = [
    ['empty', new Uint8Array(0), 'TUNNEL_CELL_MALFORMED'],
    ['header only, 4 bytes', hex('00000001'), 'TUNNEL_CELL_MALFORMED'],
    ['circuit id 0', hex('0000000005 00'), 'TUNNEL_CELL_MALFORMED'],
    ['unknown type 9', hex('0000000109 00'), 'TUNNEL_CELL_MALFORMED'],
    ['unknown type 0', hex('0000000100'), 'TUNNEL_CELL_MALFORMED'],
    ['CREATE with 63 bytes', Buffer.concat([hex('0000000101'), new Uint8Array(63)]), 'TUNNEL_CELL_MALFORMED'],
    [
      'CREATED with 65 bytes',
      Buffer.concat([hex('0000000102'), new Uint8Array(65)]),
      'TUNNEL_CELL_MALFORMED',
    ],
    [
      'onion shorter than a layer',
      Buffer.concat([hex('0000000103'), new Uint8Array(LAYER_OVERHEAD_BYTES - 1)]),
      'TUNNEL_CELL_MALFORMED',
    ],
    ['DESTROY with an unknown reason', hex('0000000105 ff'), 'TUNNEL_CELL_MALFORMED'],
    ['DESTROY without a reason', hex('0000000106'), 'TUNNEL_CELL_MALFORMED'],
    ['DESTROY with two bytes', hex('0000000106 0000'), 'TUNNEL_CELL_MALFORMED'],
    ['a frame one byte over the limit', new Uint8Array(MAX_FRAME_BYTES + 1).fill(1), 'TUNNEL_CELL_OVERSIZED'],
    ['a 1 MiB frame', new Uint8Array(1 << 20), 'TUNNEL_CELL_OVERSIZED'],
  ]
  it.each(invalid)('rejects %s', (_name, bytes, code) => {
    expect(codeOf(() => decodeFrame(bytes))).toBe(code)
  })

  it('refuses to encode an oversized onion or a bad circuit id', () => {
    expect(
      codeOf(() => encodeFrame({ kind: 'relay-fwd', circuitId: 1, onion: new Uint8Array(MAX_FRAME_BYTES) })),
    ).toBe('TUNNEL_CELL_OVERSIZED')
    expect(codeOf(() => encodeFrame({ kind: 'create', circuitId: 0, body }))).toBe('TUNNEL_CELL_MALFORMED')
    expect(codeOf(() => encodeFrame({ kind: 'create', circuitId: 2 ** 32, body }))).toBe(
      'TUNNEL_CELL_MALFORMED',
    )
  })

  it('never throws anything but a coded error on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeFrame(bytes)
        } catch (err) {
          expect(['TUNNEL_CELL_MALFORMED', 'TUNNEL_CELL_OVERSIZED']).toContain(errorCode(err))
        }
      }),
    )
  })
})

describe('relay frames written in place', () => {
  const onion = Uint8Array.from({ length: 3 * LAYER_OVERHEAD_BYTES }, (_, i) => i)
  const chunked = (): Uint8Array[] => [
    Buffer.concat([Buffer.alloc(FRAME_HEADER_BYTES, 0xee), onion.subarray(0, 10)]),
    onion.slice(10, 40),
    onion.slice(40),
  ]

  it('gives the same bytes as encodeFrame, without copying the chunks', () => {
    for (const kind of ['relay-fwd', 'relay-bwd'] as const) {
      const chunks = chunked()
      const later = chunks.slice(1)
      const size = writeRelayHeader(kind, 0xabcdef01, chunks)
      expect(size).toBe(FRAME_HEADER_BYTES + onion.length)
      expect(Buffer.concat(chunks)).toEqual(Buffer.from(encodeFrame({ kind, circuitId: 0xabcdef01, onion })))
      // Only the room in the first chunk was written; the others are the same objects, untouched.
      expect(chunks.slice(1)).toEqual(later)
      expect(chunks[1]).toBe(later[0])
    }
  })

  it('refuses what encodeFrame refuses, with the same codes', () => {
    const oversized = [
      new Uint8Array(FRAME_HEADER_BYTES),
      new Uint8Array(MAX_FRAME_BYTES - FRAME_HEADER_BYTES + 1),
    ]
    expect(codeOf(() => writeRelayHeader('relay-fwd', 1, oversized))).toBe('TUNNEL_CELL_OVERSIZED')
    const atLimit = [new Uint8Array(FRAME_HEADER_BYTES), new Uint8Array(MAX_FRAME_BYTES - FRAME_HEADER_BYTES)]
    expect(writeRelayHeader('relay-bwd', 1, atLimit)).toBe(MAX_FRAME_BYTES)
    const short = [new Uint8Array(FRAME_HEADER_BYTES + LAYER_OVERHEAD_BYTES - 1)]
    expect(codeOf(() => writeRelayHeader('relay-fwd', 1, short))).toBe('TUNNEL_CELL_MALFORMED')
    expect(codeOf(() => writeRelayHeader('relay-fwd', 0, chunked()))).toBe('TUNNEL_CELL_MALFORMED')
    expect(codeOf(() => writeRelayHeader('relay-fwd', 2 ** 32, chunked()))).toBe('TUNNEL_CELL_MALFORMED')
    expect(codeOf(() => writeRelayHeader('relay-fwd', 1, [new Uint8Array(4), onion]))).toBe(
      'TUNNEL_CELL_MALFORMED',
    )
    expect(codeOf(() => writeRelayHeader('relay-fwd', 1, []))).toBe('TUNNEL_CELL_MALFORMED')
  })
})
