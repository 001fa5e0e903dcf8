import { MAX_DATAGRAM_BYTES, MAX_STREAM_CHUNK_BYTES } from './constants.ts'
import { HANDSHAKE_BODY_BYTES } from './cells.ts'
import { TunnelError } from './errors.ts'

/**
 * The messages for one hop: the plaintext inside that hop's onion layer (README "Messages"), with a
 * strict codec — exact lengths, known types and reasons, no trailing bytes.
 */

function malformed(message: string, details: Record<string, unknown> = {}): TunnelError {
  return new TunnelError('TUNNEL_CELL_MALFORMED', message, details)
}

/** Why a stream ended, as the exit reports it (README "Messages"); `done` is a normal close. */
export type EndReason = 'done' | 'policy' | 'unreachable' | 'refused' | 'dns' | 'limit' | 'not-exit' | 'reset'

const END_REASONS: readonly EndReason[] = Object.freeze([
  'done',
  'policy',
  'unreachable',
  'refused',
  'dns',
  'limit',
  'not-exit',
  'reset',
])

/**
 * A message for one hop: the plaintext inside that hop's onion layer (README "Messages").
 * EXTEND/EXTENDED build the circuit; BEGIN/CONNECTED/DATA/END/SENDME carry TCP streams to and from
 * the exit; DATAGRAM carries one UDP datagram either way.
 */
export type Message =
  | { readonly kind: 'extend'; readonly peerId: string; readonly create: Uint8Array }
  | { readonly kind: 'extended'; readonly created: Uint8Array }
  | { readonly kind: 'begin'; readonly streamId: number; readonly host: string; readonly port: number }
  | { readonly kind: 'connected'; readonly streamId: number }
  | { readonly kind: 'data'; readonly streamId: number; readonly data: Uint8Array }
  | { readonly kind: 'end'; readonly streamId: number; readonly reason: EndReason }
  | { readonly kind: 'sendme'; readonly streamId: number }
  | { readonly kind: 'keepalive' }
  | { readonly kind: 'datagram'; readonly host: string; readonly port: number; readonly data: Uint8Array }

const MSG_BYTE = {
  extend: 1,
  extended: 2,
  begin: 3,
  connected: 4,
  data: 5,
  end: 6,
  sendme: 7,
  datagram: 8,
  keepalive: 9,
} as const

/** Host names and address literals: letters, digits, `.-_:` only, 1..255 characters. */
const HOST_PATTERN = /^[A-Za-z0-9._:-]{1,255}$/
/** Peer ids (libp2p's base58 or our test names): printable ASCII without spaces, 1..255 characters. */
const PEER_ID_PATTERN = /^[\x21-\x7e]{1,255}$/

function checkHost(host: string): void {
  if (!HOST_PATTERN.test(host))
    throw malformed(`host must match ${HOST_PATTERN.source}`, { hostChars: host.length })
}
function checkPort(port: number, allowZero: boolean): void {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535)
    throw malformed(`bad port ${port}`)
}
function checkStreamId(id: number): void {
  if (!Number.isInteger(id) || id < 1 || id > 0xffff_ffff)
    throw malformed(`stream id must be in 1..2^32-1, got ${id}`)
}

/** Encodes a message. Throws TUNNEL_CELL_MALFORMED on a bad field, TUNNEL_CELL_OVERSIZED on too much data. */
export function encodeMessage(msg: Message): Uint8Array {
  switch (msg.kind) {
    case 'extend': {
      if (!PEER_ID_PATTERN.test(msg.peerId))
        throw malformed('peer id must be 1..255 printable ASCII characters')
      if (msg.create.length !== HANDSHAKE_BODY_BYTES) throw malformed('extend carries one CREATE body')
      const id = Buffer.from(msg.peerId, 'latin1')
      return Buffer.concat([Uint8Array.of(MSG_BYTE.extend, id.length), id, msg.create])
    }
    case 'extended':
      if (msg.created.length !== HANDSHAKE_BODY_BYTES) throw malformed('extended carries one CREATED body')
      return Buffer.concat([Uint8Array.of(MSG_BYTE.extended), msg.created])
    case 'begin': {
      checkStreamId(msg.streamId)
      checkHost(msg.host)
      checkPort(msg.port, false)
      const out = Buffer.allocUnsafe(8 + msg.host.length)
      out[0] = MSG_BYTE.begin
      out.writeUInt32BE(msg.streamId, 1)
      out.writeUInt16BE(msg.port, 5)
      out[7] = msg.host.length
      out.write(msg.host, 8, 'latin1')
      return out
    }
    case 'connected':
    case 'sendme': {
      checkStreamId(msg.streamId)
      const out = Buffer.allocUnsafe(5)
      out[0] = MSG_BYTE[msg.kind]
      out.writeUInt32BE(msg.streamId, 1)
      return out
    }
    case 'keepalive':
      return Uint8Array.of(MSG_BYTE.keepalive)
    case 'data': {
      const header = dataHeader(msg)
      const out = Buffer.allocUnsafe(header.length + msg.data.length)
      out.set(header, 0)
      out.set(msg.data, header.length)
      return out
    }
    case 'end': {
      checkStreamId(msg.streamId)
      const out = Buffer.allocUnsafe(6)
      out[0] = MSG_BYTE.end
      out.writeUInt32BE(msg.streamId, 1)
      out[5] = END_REASONS.indexOf(msg.reason)
      return out
    }
    case 'datagram': {
      checkHost(msg.host)
      checkPort(msg.port, true)
      if (msg.data.length > MAX_DATAGRAM_BYTES) {
        throw new TunnelError(
          'TUNNEL_CELL_OVERSIZED',
          `datagram of ${msg.data.length} bytes, at most ${MAX_DATAGRAM_BYTES}`,
          {
            size: msg.data.length,
          },
        )
      }
      const out = Buffer.allocUnsafe(4 + msg.host.length + msg.data.length)
      out[0] = MSG_BYTE.datagram
      out.writeUInt16BE(msg.port, 1)
      out[3] = msg.host.length
      out.write(msg.host, 4, 'latin1')
      out.set(msg.data, 4 + msg.host.length)
      return out
    }
    default:
      return assertNever(msg)
  }
}

/** The 5 bytes before a DATA message's data (type, stream id), after the same checks as `encodeMessage`. */
function dataHeader(msg: Message & { kind: 'data' }): Buffer {
  checkStreamId(msg.streamId)
  if (msg.data.length < 1 || msg.data.length > MAX_STREAM_CHUNK_BYTES) {
    throw new TunnelError(
      'TUNNEL_CELL_OVERSIZED',
      `data chunk of ${msg.data.length} bytes, 1..${MAX_STREAM_CHUNK_BYTES}`,
      {
        size: msg.data.length,
      },
    )
  }
  const out = Buffer.allocUnsafe(5)
  out[0] = MSG_BYTE.data
  out.writeUInt32BE(msg.streamId, 1)
  return out
}

/**
 * `encodeMessage` as parts whose concatenation is the encoding: a DATA message is its 5-byte header
 * and the caller's data itself (not copied), for `LayerSealer.seal` to encrypt straight from them.
 */
export function encodeMessageParts(msg: Message): readonly Uint8Array[] {
  return msg.kind === 'data' ? [dataHeader(msg), msg.data] : [encodeMessage(msg)]
}

/** Decodes a message from a hop's plaintext; TUNNEL_CELL_MALFORMED for anything not exactly one valid message. */
export function decodeMessage(bytes: Uint8Array): Message {
  if (bytes.length < 1) throw malformed('empty message')
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const exact = (n: number): void => {
    if (buf.length !== n) throw malformed(`message of type ${buf[0]} must be ${n} bytes, got ${buf.length}`)
  }
  const streamId = (): number => {
    if (buf.length < 5) throw malformed('message too short for a stream id')
    const id = buf.readUInt32BE(1)
    checkStreamId(id)
    return id
  }
  switch (buf[0]) {
    case MSG_BYTE.extend: {
      const n = buf[1] ?? 0
      exact(2 + n + HANDSHAKE_BODY_BYTES)
      const peerId = buf.toString('latin1', 2, 2 + n)
      if (!PEER_ID_PATTERN.test(peerId)) throw malformed('extend names a malformed peer id')
      return { kind: 'extend', peerId, create: buf.subarray(2 + n) }
    }
    case MSG_BYTE.extended:
      exact(1 + HANDSHAKE_BODY_BYTES)
      return { kind: 'extended', created: buf.subarray(1) }
    case MSG_BYTE.begin: {
      const id = streamId()
      if (buf.length < 8) throw malformed('begin too short')
      const port = buf.readUInt16BE(5)
      const n = buf[7] ?? 0
      exact(8 + n)
      const host = buf.toString('latin1', 8)
      checkHost(host)
      checkPort(port, false)
      return { kind: 'begin', streamId: id, host, port }
    }
    case MSG_BYTE.connected:
      exact(5)
      return { kind: 'connected', streamId: streamId() }
    case MSG_BYTE.sendme:
      exact(5)
      return { kind: 'sendme', streamId: streamId() }
    case MSG_BYTE.keepalive:
      exact(1)
      return { kind: 'keepalive' }
    case MSG_BYTE.data: {
      const id = streamId()
      if (buf.length < 6 || buf.length > 5 + MAX_STREAM_CHUNK_BYTES)
        throw malformed(`data of ${buf.length - 5} bytes`)
      return { kind: 'data', streamId: id, data: buf.subarray(5) }
    }
    case MSG_BYTE.end: {
      exact(6)
      const reason = END_REASONS[buf[5] ?? 255]
      if (reason === undefined) throw malformed(`unknown end reason ${buf[5]}`)
      return { kind: 'end', streamId: streamId(), reason }
    }
    case MSG_BYTE.datagram: {
      if (buf.length < 4) throw malformed('datagram too short')
      const port = buf.readUInt16BE(1)
      const n = buf[3] ?? 0
      if (buf.length < 4 + n) throw malformed('datagram host runs past the end')
      const host = buf.toString('latin1', 4, 4 + n)
      checkHost(host)
      const data = buf.subarray(4 + n)
      if (data.length > MAX_DATAGRAM_BYTES) throw malformed(`datagram of ${data.length} bytes`)
      return { kind: 'datagram', host, port, data }
    }
    default:
      throw malformed(`unknown message type ${buf[0]}`, { type: buf[0] })
  }
}

function assertNever(value: never): never {
  throw malformed(`unhandled variant ${JSON.stringify(value)}`)
}
