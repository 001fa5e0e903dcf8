import type { TunnelErrorCode } from './errors.ts'
import { TunnelError } from './errors.ts'
import { formatIp } from './ip.ts'

/**
 * The SOCKS5 wire format (RFC 1928), pure: greeting, request, reply and the UDP request header. The
 * server adapter (adapters/socks5-server.ts) only moves bytes. No authentication (method 0x00): the
 * server listens on loopback only.
 */

/** Reply codes of RFC 1928 §6. */
export const SOCKS_REPLY = Object.freeze({
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const)

/** The SOCKS reply for a failed CONNECT: 0x02 for the exit policy (the test), else the nearest RFC code. */
export function socksReplyFor(code: TunnelErrorCode | undefined): number {
  switch (code) {
    case 'TUNNEL_EXIT_POLICY':
    case 'TUNNEL_NOT_RELAY':
      return SOCKS_REPLY.NOT_ALLOWED
    case 'TUNNEL_DNS_FAILED':
    case 'TUNNEL_EXIT_UNREACHABLE':
      return SOCKS_REPLY.HOST_UNREACHABLE
    case 'TUNNEL_EXIT_REFUSED':
      return SOCKS_REPLY.CONNECTION_REFUSED
    case 'TUNNEL_NO_PATH':
      return SOCKS_REPLY.NETWORK_UNREACHABLE
    case 'TUNNEL_CIRCUIT_TIMEOUT':
      return SOCKS_REPLY.TTL_EXPIRED
    default:
      return SOCKS_REPLY.GENERAL_FAILURE
  }
}

/** A parse that may need more bytes. */
export type Parsed<T> =
  { readonly done: false } | { readonly done: true; readonly value: T; readonly consumed: number }

const malformed = (message: string): TunnelError => new TunnelError('TUNNEL_SOCKS_MALFORMED', message)

/** Parses the client greeting (VER=5, NMETHODS, METHODS); value: whether "no authentication" is offered. */
export function parseGreeting(buf: Uint8Array): Parsed<{ readonly noAuthOffered: boolean }> {
  if (buf.length < 2) return { done: false }
  if (buf[0] !== 5) throw malformed(`SOCKS version ${buf[0]}, expected 5`)
  const n = buf[1] ?? 0
  if (n === 0) throw malformed('greeting offers no methods')
  if (buf.length < 2 + n) return { done: false }
  return { done: true, value: { noAuthOffered: buf.subarray(2, 2 + n).includes(0) }, consumed: 2 + n }
}

/** A SOCKS5 request. */
export interface SocksRequest {
  /** `unsupported`: a command byte other than 1, 2, 3 (RFC 1928 reply 0x07). */
  readonly command: 'connect' | 'bind' | 'udp-associate' | 'unsupported'
  /** IPv4/IPv6 literal or domain name as sent. */
  readonly host: string
  readonly port: number
}

/** Parses an address (ATYP, ADDR, PORT) at `at`; undefined if more bytes are needed. */
function parseAddress(buf: Uint8Array, at: number): { host: string; port: number; end: number } | undefined {
  const atyp = buf[at]
  if (atyp === undefined) return undefined
  let end: number
  let host: string
  if (atyp === 1) {
    end = at + 1 + 4
    if (buf.length < end + 2) return undefined
    host = formatIp({ family: 4, bytes: buf.slice(at + 1, end) })
  } else if (atyp === 4) {
    end = at + 1 + 16
    if (buf.length < end + 2) return undefined
    host = formatIp({ family: 6, bytes: buf.slice(at + 1, end) })
  } else if (atyp === 3) {
    const n = buf[at + 1]
    if (n === undefined) return undefined
    if (n === 0) throw malformed('empty domain name')
    end = at + 2 + n
    if (buf.length < end + 2) return undefined
    host = Buffer.from(buf.subarray(at + 2, end)).toString('latin1')
    if (!/^[A-Za-z0-9._-]{1,255}$/.test(host))
      throw malformed('domain name has characters outside [A-Za-z0-9._-]')
  } else {
    throw new TunnelError('TUNNEL_SOCKS_UNSUPPORTED', `address type ${atyp} is not one of 1, 3, 4`, { atyp })
  }
  const port = ((buf[end] ?? 0) << 8) | (buf[end + 1] ?? 0)
  return { host, port, end: end + 2 }
}

/** Parses a request (VER=5, CMD, RSV=0, address). TUNNEL_SOCKS_MALFORMED / TUNNEL_SOCKS_UNSUPPORTED on bad input. */
export function parseRequest(buf: Uint8Array): Parsed<SocksRequest> {
  if (buf.length < 4) return { done: false }
  if (buf[0] !== 5) throw malformed(`SOCKS version ${buf[0]}, expected 5`)
  if (buf[2] !== 0) throw malformed('reserved byte is not 0')
  // An unknown command still parses (its address tells where the request ends): it is answered 0x07.
  const command =
    buf[1] === 1 ? 'connect' : buf[1] === 2 ? 'bind' : buf[1] === 3 ? 'udp-associate' : 'unsupported'
  const addr = parseAddress(buf, 3)
  if (addr === undefined) return { done: false }
  return { done: true, value: { command, host: addr.host, port: addr.port }, consumed: addr.end }
}

function encodeAddress(
  host: string,
  port: number,
  ip: { family: 4 | 6; bytes: Uint8Array } | undefined,
): Buffer {
  const portBytes = Uint8Array.of(port >> 8, port & 0xff)
  if (ip !== undefined) return Buffer.concat([Uint8Array.of(ip.family === 4 ? 1 : 4), ip.bytes, portBytes])
  const name = Buffer.from(host, 'latin1')
  return Buffer.concat([Uint8Array.of(3, name.length), name, portBytes])
}

/** A reply (VER=5, REP, RSV, bound address). */
export function encodeReply(
  reply: number,
  bound: { family: 4 | 6; bytes: Uint8Array } = { family: 4, bytes: new Uint8Array(4) },
  port = 0,
): Uint8Array {
  return Buffer.concat([Uint8Array.of(5, reply, 0), encodeAddress('', port, bound)])
}

/** A UDP datagram as SOCKS frames it (RFC 1928 §7). */
export interface SocksDatagram {
  readonly host: string
  readonly port: number
  readonly data: Uint8Array
}

/** Parses a client's UDP datagram; fragments (FRAG ≠ 0) are refused with TUNNEL_SOCKS_UNSUPPORTED, as RFC 1928 allows. */
export function parseUdpDatagram(buf: Uint8Array): SocksDatagram {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0)
    throw malformed('UDP request header must start with RSV 0x0000')
  if (buf[2] !== 0)
    throw new TunnelError('TUNNEL_SOCKS_UNSUPPORTED', 'fragmented SOCKS UDP datagrams are not supported')
  const addr = parseAddress(buf, 3)
  if (addr === undefined) throw malformed('UDP request header is truncated')
  return { host: addr.host, port: addr.port, data: buf.subarray(addr.end) }
}

/** Frames a reply datagram for the client; `ip` is the parsed source address (or undefined for a name). */
export function encodeUdpDatagram(
  d: SocksDatagram,
  ip: { family: 4 | 6; bytes: Uint8Array } | undefined,
): Uint8Array {
  return Buffer.concat([Uint8Array.of(0, 0, 0), encodeAddress(d.host, d.port, ip), d.data])
}
