/**
 * Pure parts of the WireGuard endpoint: the tunnel subnet, address allocation for peers, key
 * validation, and the wg-quick configuration a client writes.
 */
import { VpnEndpointError } from './errors.ts'

/** A parsed IPv4 tunnel subnet. */
export interface TunnelSubnet {
  readonly cidr: string
  /** Network address as a 32-bit unsigned integer. */
  readonly base: number
  readonly prefixLength: number
  /** The endpoint's own tunnel address (first host), e.g. `10.99.0.1`. */
  readonly serverIp: string
}

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  let value = 0
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined
    value = value * 256 + Number(part)
  }
  return value
}

function intToIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.')
}

/** Parses `a.b.c.d/n` with 16 ≤ n ≤ 29 and host bits zero; throws `WORLD_VPN_INVALID_OPTION`. */
export function parseTunnelSubnet(cidr: string): TunnelSubnet {
  const [ip, bits, ...rest] = cidr.split('/')
  const base = ip === undefined ? undefined : ipToInt(ip)
  const prefixLength = Number(bits)
  if (
    base === undefined ||
    rest.length > 0 ||
    !/^\d{1,2}$/.test(bits ?? '') ||
    prefixLength < 16 ||
    prefixLength > 29
  ) {
    throw new VpnEndpointError(
      'WORLD_VPN_INVALID_OPTION',
      `tunnel subnet ${cidr} is not an IPv4 CIDR with a prefix of /16 to /29`,
      { cidr },
    )
  }
  const hostMask = 2 ** (32 - prefixLength) - 1
  if ((base & hostMask) >>> 0 !== 0) {
    throw new VpnEndpointError(
      'WORLD_VPN_INVALID_OPTION',
      `tunnel subnet ${cidr} has host bits set; use ${intToIp((base & ~hostMask) >>> 0)}/${prefixLength}`,
      { cidr },
    )
  }
  return { cidr, base, prefixLength, serverIp: intToIp(base + 1) }
}

/**
 * The lowest free client address of `subnet` (never the network, server or broadcast address), as
 * `a.b.c.d/32`; undefined when all are taken. `taken` holds addresses in the same `/32` form.
 */
export function allocateClientAddress(subnet: TunnelSubnet, taken: ReadonlySet<string>): string | undefined {
  const size = 2 ** (32 - subnet.prefixLength)
  for (let offset = 2; offset < size - 1; offset++) {
    const address = `${intToIp(subnet.base + offset)}/32`
    if (!taken.has(address)) return address
  }
  return undefined
}

/** WireGuard keys are 32 bytes in standard base64 (44 characters ending in `=`). */
const WG_KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/

/** Validates a WireGuard public key; throws `WORLD_VPN_INVALID_KEY`. */
export function parseWireGuardKey(input: unknown): string {
  if (typeof input !== 'string' || !WG_KEY_RE.test(input)) {
    throw new VpnEndpointError(
      'WORLD_VPN_INVALID_KEY',
      'a WireGuard key is 32 bytes in base64 (44 characters ending in "="), as `wg pubkey` prints it',
      {
        length: typeof input === 'string' ? input.length : null,
      },
    )
  }
  return input
}

/** What a client needs about the endpoint to reach it. */
export interface WireGuardPeerConfig {
  /** The endpoint's public key. */
  readonly publicKey: string
  /** `ip:port` of the endpoint's UDP socket. */
  readonly endpoint: string
  /** What the client routes through the tunnel (everything, as a VPN provider's config does). */
  readonly allowedIps: string
  /** Keepalive interval (s) so NAT state on the way stays open. */
  readonly persistentKeepaliveS: number
}

/**
 * Renders a wg-quick configuration for a client (the file a VPN provider lets you download).
 * `routeViaTunnel` lists extra destinations (CIDRs) forced through the tunnel with PostUp routes:
 * wg-quick's full tunnel keeps destinations of directly connected subnets off the tunnel
 * (`suppress_prefixlength 0`), and in the world every service sits on the hosts' own bridge subnet.
 */
export function renderWgQuickConfig(
  client: { privateKey: string; address: string; routeViaTunnel?: readonly string[] },
  peer: WireGuardPeerConfig,
): string {
  return [
    '[Interface]',
    `PrivateKey = ${client.privateKey}`,
    `Address = ${client.address}`,
    ...(client.routeViaTunnel ?? []).map((cidr) => `PostUp = ip -4 route add ${cidr} dev %i`),
    '',
    '[Peer]',
    `PublicKey = ${peer.publicKey}`,
    `AllowedIPs = ${peer.allowedIps}`,
    `Endpoint = ${peer.endpoint}`,
    `PersistentKeepalive = ${peer.persistentKeepaliveS}`,
    '',
  ].join('\n')
}
