import { INTERNET_PREFIX, SUBNET_PREFIX } from './constants.ts'

/** Names and addresses of one world network, derived from its index. */
export interface NetworkPlan {
  readonly index: number
  readonly bridge: string
  readonly gatewayIp: string
  readonly subnetCidr: string
  /** The world's stand-in for an Internet address (`10.78.<i>.1`), also on the bridge. */
  readonly internetIp: string
  /** Prefix length of the subnet (for `ip addr add`). */
  readonly prefixLength: number
  /**
   * The bridge's fixed MAC address (locally administered, `02:64:6f:6c:<i>:01`). Without one a Linux
   * bridge takes the lowest MAC of its ports and changes it when that host leaves; the other hosts'
   * ARP entries for the gateway then point nowhere and their replies are lost until they re-resolve.
   */
  readonly bridgeMac: string
}

/** Names and address of one host slot on a network. */
export interface HostSlot {
  /** Stable id of the host, also its network namespace name, e.g. `dolly3h5`. */
  readonly id: string
  readonly netns: string
  /** Machine-side end of the host's veth pair; ≤ 15 characters (IFNAMSIZ). */
  readonly vethHost: string
  readonly ip: string
  readonly octet: number
}

/** The network plan for index `index` (1..254): bridge `dollybr<i>`, subnet `10.77.<i>.0/24`. */
export function planNetwork(index: number): NetworkPlan {
  return {
    index,
    bridge: `dollybr${index}`,
    gatewayIp: `${SUBNET_PREFIX}.${index}.1`,
    subnetCidr: `${SUBNET_PREFIX}.${index}.0/24`,
    internetIp: `${INTERNET_PREFIX}.${index}.1`,
    prefixLength: 24,
    bridgeMac: `02:64:6f:6c:${index.toString(16).padStart(2, '0')}:01`,
  }
}

/** The slot for the host with last octet `octet` on network `index`. */
export function planHostSlot(index: number, octet: number): HostSlot {
  const id = `dolly${index}h${octet}`
  return { id, netns: id, vethHost: `dv${index}h${octet}`, ip: `${SUBNET_PREFIX}.${index}.${octet}`, octet }
}

/** Reads the network index back from a gateway address of a world subnet; undefined when it is not one. */
export function networkIndexOfGateway(gatewayIp: string): number | undefined {
  const match = /^10\.77\.(\d{1,3})\.1$/.exec(gatewayIp)
  if (match === null) return undefined
  const index = Number(match[1])
  return index >= 1 && index <= 254 ? index : undefined
}

/**
 * The order in which to try host octets: round-robin after the last one handed out, so a freshly
 * destroyed host's address is not reused at once (stale ARP entries and SSH known_hosts of clients).
 */
export function octetCandidates(lastOctet: number | undefined, min: number, max: number): number[] {
  const start = lastOctet === undefined || lastOctet < min || lastOctet >= max ? min : lastOctet + 1
  const out: number[] = []
  for (let o = start; o <= max; o++) out.push(o)
  for (let o = min; o < start; o++) out.push(o)
  return out
}

/** True when `path` is `dir` or lies below it (both absolute, normalised). */
export function isPathInside(path: string, dir: string): boolean {
  const d = dir.endsWith('/') ? dir : `${dir}/`
  return path === dir || path.startsWith(d)
}
