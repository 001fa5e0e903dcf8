import { TunnelError } from './errors.ts'

/**
 * IP addresses and CIDR blocks for the exit policy, parsed by hand because the core may not import
 * `node:net` (STYLE.md §1.2). Parsing is strict on purpose: no leading zeros in IPv4 (inet_aton would
 * read `010` as octal 8, a classic policy bypass), no zone ids, no shortened IPv4.
 */
export interface IpAddress {
  readonly family: 4 | 6
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array
}

/** A block of addresses: `prefixBits` leading bits of `address`. */
export interface Cidr {
  readonly address: IpAddress
  readonly prefixBits: number
}

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? ''
    if (!V4_OCTET.test(p)) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out[i] = n
  }
  return out
}

function parseV6(text: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f:.]{2,45}$/.test(text)) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (s: string): number[] | undefined => {
    if (s === '') return []
    const out: number[] = []
    const parts = s.split(':')
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] ?? ''
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p)
        if (v4 === undefined) return undefined
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0))
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return undefined
        out.push(parseInt(p, 16))
      }
    }
    return out
  }
  const head = groups(halves[0] ?? '')
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail]
  const out = new Uint8Array(16)
  all.forEach((g, i) => {
    out[2 * i] = g >> 8
    out[2 * i + 1] = g & 0xff
  })
  return out
}

/** Parses an IPv4 or IPv6 literal (IPv6 optionally in brackets); undefined if `text` is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  const v4 = parseV4(bare)
  if (v4 !== undefined) return { family: 4, bytes: v4 }
  const v6 = parseV6(bare)
  return v6 === undefined ? undefined : { family: 6, bytes: v6 }
}

/** The canonical text of an address (dotted quad; RFC 5952 IPv6): what the exit connects to. */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.')
  const g: number[] = []
  for (let i = 0; i < 16; i += 2) g.push(((ip.bytes[i] ?? 0) << 8) | (ip.bytes[i + 1] ?? 0))
  let bestAt = -1
  let bestLen = 0
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      bestAt = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':')
  if (bestAt < 0) return hex(g)
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`
}

/** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) IPv6 address. */
export function embeddedIpv4(ip: IpAddress): IpAddress | undefined {
  if (ip.family !== 6) return undefined
  const b = ip.bytes
  const zeros = (from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0)
  const mapped = zeros(0, 10) && b[10] === 0xff && b[11] === 0xff
  const nat64 = b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)
  return mapped || nat64 ? { family: 4, bytes: b.slice(12) } : undefined
}

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address (a /32 or /128). TUNNEL_CELL_MALFORMED if it is neither. */
export function parseCidr(text: string): Cidr {
  const slash = text.lastIndexOf('/')
  const addrText = slash < 0 ? text : text.slice(0, slash)
  const address = parseIp(addrText)
  if (address === undefined)
    throw new TunnelError('TUNNEL_CELL_MALFORMED', `not an IP address or CIDR block: ${JSON.stringify(text)}`)
  const max = address.family === 4 ? 32 : 128
  const bitsText = slash < 0 ? String(max) : text.slice(slash + 1)
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bitsText) || Number(bitsText) > max) {
    throw new TunnelError(
      'TUNNEL_CELL_MALFORMED',
      `prefix length of ${JSON.stringify(text)} must be 0..${max}`,
    )
  }
  return { address, prefixBits: Number(bitsText) }
}

/** True if `ip` is inside `cidr` (same family only; map IPv4-in-IPv6 first with `embeddedIpv4`). */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.address.family !== ip.family) return false
  let bits = cidr.prefixBits
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if (((cidr.address.bytes[i] ?? 0) & mask) !== ((ip.bytes[i] ?? 0) & mask)) return false
  }
  return true
}
