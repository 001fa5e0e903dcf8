import { TunnelError } from './errors.ts'
import { cidrContains, embeddedIpv4, parseCidr, parseIp, type Cidr, type IpAddress } from './ip.ts'

/**
 * The exit policy (issue 16 item 2): which destinations an exit opens connections to. Pure: the exit
 * resolves names first and asks about the address it will actually connect to, so a DNS answer that
 * points inside cannot slip past (DNS rebinding).
 *
 * Real mode: loopback, private, link-local, multicast, reserved and the agent's own addresses are
 * refused before any rule; then the first matching rule decides (Tor's `ExitPolicy` semantics,
 * tor-manual "ExitPolicy"), and no match means reject. World mode: only the world's content networks,
 * any port — the world's hosts live on private addresses, so real mode would refuse them all.
 */
export type ExitPolicy =
  | {
      readonly mode: 'real'
      readonly tcpRules: readonly PolicyRule[]
      readonly udpRules: readonly PolicyRule[]
      readonly ownAddresses: readonly IpAddress[]
    }
  | { readonly mode: 'world'; readonly contentNetworks: readonly Cidr[] }

/** One `accept|reject <address>:<ports>` line. */
export interface PolicyRule {
  readonly accept: boolean
  /** undefined = `*`, any address. */
  readonly network: Cidr | undefined
  readonly fromPort: number
  readonly toPort: number
}

/** The decision for one destination. */
export type ExitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'reserved' | 'own-address' | 'rule' | 'not-content-network' }

/**
 * Tor's ReducedExitPolicy (tor wiki `doc/ReducedExitPolicy`, the port list of the tor-manual
 * `ReducedExitPolicy` option): the ports of common interactive services, nothing for bulk file sharing
 * or mail submission on 25. The default TCP rules of a real-mode exit.
 */
export const REDUCED_EXIT_POLICY: readonly string[] = Object.freeze([
  ...[
    '20-23',
    '43',
    '53',
    '79-81',
    '88',
    '110',
    '143',
    '194',
    '220',
    '389',
    '443',
    '464',
    '465',
    '531',
    '543-544',
    '554',
    '563',
    '587',
    '636',
    '706',
    '749',
    '873',
    '902-904',
    '981',
    '989-995',
    '1194',
    '1220',
    '1293',
    '1500',
    '1533',
    '1677',
    '1723',
    '1755',
    '1863',
    '2082-2083',
    '2086-2087',
    '2095-2096',
    '2102-2104',
    '3128',
    '3389',
    '3690',
    '4321',
    '4643',
    '5050',
    '5190',
    '5222-5223',
    '5228',
    '5900',
    '6660-6669',
    '6679',
    '6697',
    '8000',
    '8008',
    '8074',
    '8080',
    '8082',
    '8087-8088',
    '8232-8233',
    '8332-8333',
    '8443',
    '8888',
    '9418',
    '9999',
    '10000',
    '11371',
    '19294',
    '19638',
    '50002',
    '64738',
  ].map((p) => `accept *:${p}`),
  'reject *:*',
])

/**
 * Default UDP rules of a real-mode exit: DNS, QUIC and the unprivileged ports BitTorrent's DHT and uTP
 * use (Tribler's exits carry exactly that traffic); the privileged rest (NTP amplification on 123,
 * SSDP, NetBIOS, ...) is refused.
 */
export const DEFAULT_UDP_EXIT_POLICY: readonly string[] = Object.freeze([
  'accept *:53',
  'accept *:443',
  'accept *:1024-65535',
  'reject *:*',
])

/** Blocks no real-mode exit ever connects to (RFC 6890 special-purpose registries, plus multicast). */
const RESERVED: readonly Cidr[] = Object.freeze(
  [
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.0.0.0/24',
    '192.0.2.0/24',
    '192.88.99.0/24',
    '192.168.0.0/16',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '224.0.0.0/4',
    '240.0.0.0/4',
    '::/96',
    '::1/128',
    '::ffff:0:0/96',
    '64:ff9b:1::/48',
    '100::/64',
    '2001:db8::/32',
    'fc00::/7',
    'fe80::/10',
    'fec0::/10',
    'ff00::/8',
  ].map(parseCidr),
)

/** Parses one Tor-style rule: `accept *:80`, `reject 10.0.0.0/8:*`, `accept [2001:db8::]/32:443-444`. */
export function parsePolicyRule(line: string): PolicyRule {
  const m =
    /^(accept|reject)\s+(\*|\[[0-9A-Fa-f:.]+\](?:\/\d+)?|[0-9.]+(?:\/\d+)?):(\*|\d{1,5}(?:-\d{1,5})?)$/.exec(
      line.trim(),
    )
  if (m === null) {
    throw new TunnelError(
      'TUNNEL_CELL_MALFORMED',
      `exit policy rule ${JSON.stringify(line)} is not "accept|reject <addr>:<ports>"`,
    )
  }
  const [, action, addr = '*', ports = '*'] = m
  const network = addr === '*' ? undefined : parseCidr(addr.replace(/^\[([^\]]+)\]/, '$1'))
  const [from, to] = ports === '*' ? [1, 65535] : ports.split('-').map(Number)
  const fromPort = from ?? 1
  const toPort = to ?? fromPort
  if (fromPort < 1 || toPort > 65535 || fromPort > toPort) {
    throw new TunnelError(
      'TUNNEL_CELL_MALFORMED',
      `exit policy rule ${JSON.stringify(line)} has a bad port range`,
    )
  }
  return { accept: action === 'accept', network, fromPort, toPort }
}

/** Options of a real-mode policy; the defaults are Tor's reduced policy for TCP and `DEFAULT_UDP_EXIT_POLICY`. */
export interface RealExitPolicyOptions {
  readonly tcpRules?: readonly string[]
  readonly udpRules?: readonly string[]
  /** The agent's own addresses (never a destination: no looping a circuit back into ourselves). */
  readonly ownAddresses?: readonly string[]
}

/** A real-mode policy (see `ExitPolicy`). Throws TUNNEL_CELL_MALFORMED on a bad rule or address. */
export function createRealExitPolicy(options: RealExitPolicyOptions = {}): ExitPolicy {
  return Object.freeze({
    mode: 'real' as const,
    tcpRules: Object.freeze((options.tcpRules ?? REDUCED_EXIT_POLICY).map(parsePolicyRule)),
    udpRules: Object.freeze((options.udpRules ?? DEFAULT_UDP_EXIT_POLICY).map(parsePolicyRule)),
    ownAddresses: Object.freeze(
      (options.ownAddresses ?? []).map((a) => {
        const ip = parseIp(a)
        if (ip === undefined)
          throw new TunnelError('TUNNEL_CELL_MALFORMED', `own address ${JSON.stringify(a)} is not an IP`)
        return ip
      }),
    ),
  })
}

/** A world-mode policy: only the given content networks (CIDR blocks), any port, TCP and UDP. */
export function createWorldExitPolicy(contentNetworks: readonly string[]): ExitPolicy {
  return Object.freeze({
    mode: 'world' as const,
    contentNetworks: Object.freeze(contentNetworks.map(parseCidr)),
  })
}

const sameIp = (a: IpAddress, b: IpAddress): boolean =>
  a.family === b.family && a.bytes.every((x, i) => x === b.bytes[i])

/** Decides whether the exit may connect to `ip`:`port` over `protocol`. */
export function decideExit(
  policy: ExitPolicy,
  ip: IpAddress,
  port: number,
  protocol: 'tcp' | 'udp',
): ExitDecision {
  const v4 = embeddedIpv4(ip)
  const candidates = v4 === undefined ? [ip] : [ip, v4]
  if (policy.mode === 'world') {
    const inside = candidates.some((c) => policy.contentNetworks.some((n) => cidrContains(n, c)))
    return inside ? { allowed: true } : { allowed: false, reason: 'not-content-network' }
  }
  // A mapped or NAT64 address is judged by the IPv4 address inside it, so ::ffff:127.0.0.1 stays loopback.
  const target = v4 ?? ip
  if (RESERVED.some((n) => cidrContains(n, target))) return { allowed: false, reason: 'reserved' }
  if (policy.ownAddresses.some((own) => candidates.some((c) => sameIp(own, c)))) {
    return { allowed: false, reason: 'own-address' }
  }
  for (const rule of protocol === 'tcp' ? policy.tcpRules : policy.udpRules) {
    if (port < rule.fromPort || port > rule.toPort) continue
    if (rule.network !== undefined && !cidrContains(rule.network, target)) continue
    return rule.accept ? { allowed: true } : { allowed: false, reason: 'rule' }
  }
  return { allowed: false, reason: 'rule' }
}
