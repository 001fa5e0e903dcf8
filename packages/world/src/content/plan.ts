/**
 * Names and addresses of a world's content network (issue 16, "World users"): a second bridge with
 * the content server's namespace on it and one link per agent host, so agents (the exits) reach the
 * content and users, whose hosts have no link there, reach it only through the agents' tunnels.
 */

/** First octets of every content subnet: `10.79.<index>.0/24`, beside the hosts' 10.77 and the "Internet" 10.78. */
export const CONTENT_PREFIX = '10.79'

/** The content server's last octet; hosts keep the octet of their main address (2..254), so none collides. */
export const CONTENT_SERVER_OCTET = 1

/** TCP port of the content HTTP file server. */
export const CONTENT_HTTP_PORT = 80

/** UDP port of the echo service (RFC 862's port). */
export const CONTENT_ECHO_PORT = 7

/** A world's content network, derived from the world network's index. */
export interface ContentNetworkPlan {
  readonly index: number
  /** Bridge link name, e.g. `dollycbr3`; it has no address in the machine's namespace, so the machine does not route to it. */
  readonly bridge: string
  /** Network namespace of the content server, e.g. `dollyc3`. */
  readonly netns: string
  /** Machine-side end of the server namespace's veth pair. */
  readonly vethServer: string
  /** e.g. `10.79.3.0/24`: what agents allow as their exit network. */
  readonly subnetCidr: string
  readonly prefixLength: number
  /** e.g. `10.79.3.1`. */
  readonly serverIp: string
}

/** The content network plan for world network `index` (1..254). */
export function planContentNetwork(index: number): ContentNetworkPlan {
  return {
    index,
    bridge: `dollycbr${index}`,
    netns: `dollyc${index}`,
    vethServer: `dcs${index}`,
    subnetCidr: `${CONTENT_PREFIX}.${index}.0/24`,
    prefixLength: 24,
    serverIp: `${CONTENT_PREFIX}.${index}.${CONTENT_SERVER_OCTET}`,
  }
}

/** A host's link into the content network. */
export interface ContentLinkPlan {
  /** Machine-side end of the host's second veth pair (`eth1` inside), ≤ 15 characters. */
  readonly veth: string
  /** The host's address on the content network. */
  readonly ip: string
}

/** The content link of the host with last octet `octet` on world network `index`. */
export function planContentLink(index: number, octet: number): ContentLinkPlan {
  return { veth: `dc${index}h${octet}`, ip: `${CONTENT_PREFIX}.${index}.${octet}` }
}

/** The content link's machine-side veth of a host, from its main veth (`dv<i>h<o>` → `dc<i>h<o>`). */
export function contentVethOf(vethHost: string): string | undefined {
  const match = /^dv(\d{1,3}h\d{1,3})$/.exec(vethHost)
  return match === null ? undefined : `dc${match[1]}`
}
