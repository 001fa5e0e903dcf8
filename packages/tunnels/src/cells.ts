import { MAX_FRAME_BYTES } from './constants.ts'
import { TunnelError, type TunnelErrorCode } from './errors.ts'

/**
 * The link frame: what travels between two neighbouring hops (README "Cell format").
 *
 *     circuitId u32 BE (non-zero, chosen per link by the sender of CREATE) | type u8 | body
 *
 * Types carry their direction, so a circuit id the two ends of a link picked independently never
 * collides: forward types (CREATE, RELAY_FWD, DESTROY_FWD) address a circuit the sender created on
 * this link, backward types one the receiver created. Bodies are fixed-size except the onion.
 */
export type Frame =
  | { readonly kind: 'create'; readonly circuitId: number; readonly body: Uint8Array }
  | { readonly kind: 'created'; readonly circuitId: number; readonly body: Uint8Array }
  | { readonly kind: 'relay-fwd'; readonly circuitId: number; readonly onion: Uint8Array }
  | { readonly kind: 'relay-bwd'; readonly circuitId: number; readonly onion: Uint8Array }
  | { readonly kind: 'destroy-fwd'; readonly circuitId: number; readonly reason: TunnelErrorCode }
  | { readonly kind: 'destroy-bwd'; readonly circuitId: number; readonly reason: TunnelErrorCode }
  /** Link liveness (no circuit): the circuit id field is a nonce the PROBE_ACK echoes; empty body. */
  | { readonly kind: 'probe'; readonly circuitId: number }
  | { readonly kind: 'probe-ack'; readonly circuitId: number }

/** Bytes of a CREATE body (hop's static key B, initiator's ephemeral X) and a CREATED body (Y, AUTH). */
export const HANDSHAKE_BODY_BYTES = 64

/** Bytes one onion layer adds: counter u64 + kind byte + AEAD tag. */
export const LAYER_OVERHEAD_BYTES = 8 + 1 + 16

/** Bytes of a frame header: circuit id u32 and type u8. */
export const FRAME_HEADER_BYTES = 5
const TYPE_BYTE = {
  create: 1,
  created: 2,
  'relay-fwd': 3,
  'relay-bwd': 4,
  'destroy-fwd': 5,
  'destroy-bwd': 6,
  probe: 7,
  'probe-ack': 8,
} as const
const TYPE_KIND: Readonly<Record<number, Frame['kind']>> = Object.freeze({
  1: 'create',
  2: 'created',
  3: 'relay-fwd',
  4: 'relay-bwd',
  5: 'destroy-fwd',
  6: 'destroy-bwd',
  7: 'probe',
  8: 'probe-ack',
})

/**
 * Reasons a DESTROY carries, by wire byte. Append only: the index is the wire value. A relay passes
 * on the reason it received, so an initiator learns which kind of failure ended its circuit (Tor
 * tor-spec §5.4 does the same with its reason byte).
 */
export const DESTROY_REASONS: readonly TunnelErrorCode[] = Object.freeze([
  'TUNNEL_CIRCUIT_CLOSED',
  'TUNNEL_CELL_MALFORMED',
  'TUNNEL_CELL_AUTH_FAILED',
  'TUNNEL_CELL_REPLAYED',
  'TUNNEL_CELL_OUT_OF_ORDER',
  'TUNNEL_CELL_UNEXPECTED',
  'TUNNEL_HANDSHAKE_FAILED',
  'TUNNEL_CIRCUIT_LIMIT',
  'TUNNEL_CIRCUIT_TIMEOUT',
  'TUNNEL_CIRCUIT_IDLE',
  'TUNNEL_CIRCUIT_EXPIRED',
  'TUNNEL_BYTE_LIMIT',
  'TUNNEL_EXTEND_FAILED',
  'TUNNEL_NOT_RELAY',
  'TUNNEL_STOPPED',
  'TUNNEL_CELL_OVERSIZED',
  'TUNNEL_UNPAID',
  'TUNNEL_NOT_ADMITTED',
  'TUNNEL_LINK_LOST',
  'TUNNEL_LINK_TIMEOUT',
])

function malformed(message: string, details: Record<string, unknown> = {}): TunnelError {
  return new TunnelError('TUNNEL_CELL_MALFORMED', message, details)
}

/** Encodes a frame. Throws TUNNEL_CELL_OVERSIZED above `MAX_FRAME_BYTES`, TUNNEL_CELL_MALFORMED on a bad field. */
export function encodeFrame(frame: Frame): Uint8Array {
  if (!Number.isInteger(frame.circuitId) || frame.circuitId < 1 || frame.circuitId > 0xffff_ffff) {
    throw malformed(`circuit id must be an integer in 1..2^32-1, got ${frame.circuitId}`)
  }
  let body: Uint8Array
  switch (frame.kind) {
    case 'create':
    case 'created':
      if (frame.body.length !== HANDSHAKE_BODY_BYTES) {
        throw malformed(`${frame.kind} body must be ${HANDSHAKE_BODY_BYTES} bytes, got ${frame.body.length}`)
      }
      body = frame.body
      break
    case 'relay-fwd':
    case 'relay-bwd':
      body = frame.onion
      break
    case 'destroy-fwd':
    case 'destroy-bwd': {
      const reason = DESTROY_REASONS.indexOf(frame.reason)
      body = Uint8Array.of(reason < 0 ? 0 : reason)
      break
    }
    case 'probe':
    case 'probe-ack':
      body = new Uint8Array(0)
      break
    default:
      return assertNever(frame)
  }
  const size = FRAME_HEADER_BYTES + body.length
  if (size > MAX_FRAME_BYTES) {
    throw new TunnelError('TUNNEL_CELL_OVERSIZED', `frame of ${size} bytes, at most ${MAX_FRAME_BYTES}`, {
      size,
      max: MAX_FRAME_BYTES,
    })
  }
  const out = Buffer.allocUnsafe(size)
  out.writeUInt32BE(frame.circuitId, 0)
  out[4] = TYPE_BYTE[frame.kind]
  out.set(body, FRAME_HEADER_BYTES)
  return out
}

/**
 * Makes `chunks` a RELAY frame in place: their concatenation is `FRAME_HEADER_BYTES` of room followed
 * by the onion (what `LayerSealer.sealParts` returns with that headroom); the header is written into
 * the room at the start of the first chunk, and the frame's size is returned. Nothing is copied. Same
 * checks as `encodeFrame`.
 */
export function writeRelayHeader(
  kind: 'relay-fwd' | 'relay-bwd',
  circuitId: number,
  chunks: readonly Uint8Array[],
): number {
  if (!Number.isInteger(circuitId) || circuitId < 1 || circuitId > 0xffff_ffff) {
    throw malformed(`circuit id must be an integer in 1..2^32-1, got ${circuitId}`)
  }
  let size = 0
  for (const c of chunks) size += c.length
  const first = chunks[0]
  if (first === undefined || first.length < FRAME_HEADER_BYTES)
    throw malformed('no room for the frame header')
  if (size < FRAME_HEADER_BYTES + LAYER_OVERHEAD_BYTES) {
    throw malformed(`onion of ${size - FRAME_HEADER_BYTES} bytes is shorter than one layer`)
  }
  if (size > MAX_FRAME_BYTES) {
    throw new TunnelError('TUNNEL_CELL_OVERSIZED', `frame of ${size} bytes, at most ${MAX_FRAME_BYTES}`, {
      size,
      max: MAX_FRAME_BYTES,
    })
  }
  new DataView(first.buffer, first.byteOffset, first.byteLength).setUint32(0, circuitId)
  first[4] = TYPE_BYTE[kind]
  return size
}

/**
 * Decodes and validates one frame from an untrusted peer. Throws TUNNEL_CELL_OVERSIZED above
 * `MAX_FRAME_BYTES` (checked before anything else is read) and TUNNEL_CELL_MALFORMED for a short
 * frame, a zero circuit id, an unknown type, a wrong body size or an unknown destroy reason.
 * The returned bodies are views into `bytes`.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length > MAX_FRAME_BYTES) {
    throw new TunnelError(
      'TUNNEL_CELL_OVERSIZED',
      `frame of ${bytes.length} bytes, at most ${MAX_FRAME_BYTES}`,
      {
        size: bytes.length,
        max: MAX_FRAME_BYTES,
      },
    )
  }
  if (bytes.length < FRAME_HEADER_BYTES)
    throw malformed(`frame of ${bytes.length} bytes is shorter than its header`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const circuitId = view.getUint32(0)
  if (circuitId === 0) throw malformed('circuit id 0 is reserved')
  const type = bytes[4] ?? 0
  const kind = TYPE_KIND[type]
  const body = bytes.subarray(FRAME_HEADER_BYTES)
  switch (kind) {
    case 'create':
    case 'created':
      if (body.length !== HANDSHAKE_BODY_BYTES) {
        throw malformed(`${kind} body must be ${HANDSHAKE_BODY_BYTES} bytes, got ${body.length}`, { kind })
      }
      return { kind, circuitId, body }
    case 'relay-fwd':
    case 'relay-bwd':
      if (body.length < LAYER_OVERHEAD_BYTES) {
        throw malformed(`onion of ${body.length} bytes is shorter than one layer (${LAYER_OVERHEAD_BYTES})`)
      }
      return { kind, circuitId, onion: body }
    case 'destroy-fwd':
    case 'destroy-bwd': {
      const reason = body.length === 1 ? DESTROY_REASONS[body[0] ?? 255] : undefined
      if (reason === undefined)
        throw malformed(`destroy body must be one known reason byte`, { bodyBytes: body.length })
      return { kind, circuitId, reason }
    }
    case 'probe':
    case 'probe-ack':
      if (body.length !== 0) throw malformed(`${kind} has no body, got ${body.length} bytes`, { kind })
      return { kind, circuitId }
    case undefined:
      throw malformed(`unknown frame type ${type}`, { type })
    default:
      return assertNever(kind)
  }
}

function assertNever(value: never): never {
  throw malformed(`unhandled variant ${JSON.stringify(value)}`)
}
