import type { Logger, Rng } from '@dolly/base'
import type { HostExecResult, HostProvisioner, WorldHost } from '../hosts/index.ts'
import { shellQuote } from '../hosts/host-files.ts'
import { VpnEndpointError } from './errors.ts'
import {
  allocateClientAddress,
  parseTunnelSubnet,
  parseWireGuardKey,
  type WireGuardPeerConfig,
} from './tunnel-plan.ts'

/** Ports of {@link startVpnEndpoint}. */
export interface VpnEndpointDeps {
  /** Creates the endpoint's host. */
  readonly provisioner: HostProvisioner
  readonly log: Logger
  /** Draws the endpoint host's root password (nobody logs in; it must still not be guessable). */
  readonly rng: Rng
}

/** Options of {@link startVpnEndpoint}. */
export interface VpnEndpointOptions {
  /** Tunnel subnet; the endpoint takes its first address. Default `10.99.0.0/24`. */
  readonly tunnelCidr?: string
  /** UDP port of the endpoint. Default 51820 (WireGuard's customary port). */
  readonly listenPort?: number
  /** Hostname of the endpoint host. Default `vpn-endpoint`. */
  readonly hostname?: string
}

/** What a client gets when its key is registered. */
export interface VpnPeerGrant {
  /** The client's tunnel address, e.g. `10.99.0.2/32`. */
  readonly clientAddress: string
  readonly peerConfig: WireGuardPeerConfig
}

/** A running WireGuard endpoint host. */
export interface VpnEndpoint {
  /** The endpoint's WireGuard public key. */
  readonly publicKey: string
  /** `ip:port` of its UDP socket on the world bridge. */
  readonly endpoint: string
  /** The host it runs on (its bridge address is what the outside sees of tunnelled traffic). */
  readonly host: WorldHost
  /** Registers a client key (idempotent: the same key keeps its address); `WORLD_VPN_INVALID_KEY`, `WORLD_VPN_NO_FREE_ADDRESS`. */
  addPeer(clientPublicKey: string): Promise<VpnPeerGrant>
  /** Revokes a client key; unknown keys are ignored. */
  removePeer(clientPublicKey: string): Promise<void>
  /** Registered keys and their addresses. */
  peers(): readonly { publicKey: string; clientAddress: string }[]
  /** Destroys the endpoint host with everything in it; idempotent. */
  stop(): Promise<void>
}

/** Default tunnel subnet: private (RFC 1918) and apart from the world's 10.77.x.0/24 bridges. */
const DEFAULT_TUNNEL_CIDR = '10.99.0.0/24'
/** WireGuard's customary UDP port. */
const DEFAULT_LISTEN_PORT = 51820
/** Keepalive (s) handed to clients; 25 s is what wg(8) recommends for peers behind NAT. */
const KEEPALIVE_S = 25

function check(result: HostExecResult, what: string): string {
  if (result.exitCode !== 0) {
    throw new VpnEndpointError(
      'WORLD_VPN_COMMAND_FAILED',
      `${what} failed in the VPN endpoint host (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 400)}`,
      {
        exitCode: result.exitCode,
      },
    )
  }
  return result.stdout
}

/**
 * Starts a world host running `wireguard-go` with NAT: a client's tunnelled traffic leaves the
 * endpoint with the endpoint's bridge address (iptables MASQUERADE inside the endpoint's own network
 * namespace; the machine's firewall is not touched).
 */
export async function startVpnEndpoint(
  deps: VpnEndpointDeps,
  options: VpnEndpointOptions = {},
): Promise<VpnEndpoint> {
  const subnet = parseTunnelSubnet(options.tunnelCidr ?? DEFAULT_TUNNEL_CIDR)
  const listenPort = options.listenPort ?? DEFAULT_LISTEN_PORT
  if (!Number.isInteger(listenPort) || listenPort < 1 || listenPort > 65_535) {
    throw new VpnEndpointError('WORLD_VPN_INVALID_OPTION', `listenPort must be 1..65535, got ${listenPort}`, {
      listenPort,
    })
  }
  const log = deps.log.child({ component: 'vpn-endpoint' })
  const rootPassword = Buffer.from(deps.rng.bytes(18)).toString('base64url')
  const host = await deps.provisioner.create({ hostname: options.hostname ?? 'vpn-endpoint', rootPassword })
  let publicKey: string
  try {
    const privateKey = check(await host.exec(['wg', 'genkey']), 'wg genkey').trim()
    publicKey = parseWireGuardKey(
      check(await host.exec(['wg', 'pubkey'], { input: `${privateKey}\n` }), 'wg pubkey').trim(),
    )
    // wireguard-go daemonizes once the TUN device and its UAPI socket exist; the loop only covers a
    // slow first `wg show` on a loaded machine (bounded to 5 s).
    check(await host.exec(['wireguard-go', 'wg0']), 'wireguard-go wg0')
    const setup = [
      'set -euo pipefail',
      'for i in $(seq 100); do wg show wg0 >/dev/null 2>&1 && break; sleep 0.05; done',
      'umask 077',
      'mkdir -p /etc/wireguard',
      'cat > /etc/wireguard/wg0.key',
      `wg set wg0 listen-port ${listenPort} private-key /etc/wireguard/wg0.key`,
      `ip address add ${shellQuote(`${subnet.serverIp}/${subnet.prefixLength}`)} dev wg0`,
      'ip link set wg0 up',
      // Forwarding and NAT only inside this host's network namespace: the world bridge still
      // routes nowhere, but a client's traffic now leaves with this host's address.
      'echo 1 > /proc/sys/net/ipv4/ip_forward',
      `iptables -t nat -A POSTROUTING -s ${shellQuote(subnet.cidr)} -o eth0 -j MASQUERADE`,
    ].join('\n')
    check(await host.exec(['bash', '-c', setup], { input: `${privateKey}\n` }), 'WireGuard set-up')
  } catch (err) {
    await host.destroy()
    throw new VpnEndpointError(
      'WORLD_VPN_START_FAILED',
      `VPN endpoint on ${host.ip} did not start: ${err instanceof Error ? err.message : String(err)}`,
      { ip: host.ip },
      { cause: err },
    )
  }
  const endpoint = `${host.ip}:${listenPort}`
  const peerConfig: WireGuardPeerConfig = {
    publicKey,
    endpoint,
    allowedIps: '0.0.0.0/0',
    persistentKeepaliveS: KEEPALIVE_S,
  }
  const peers = new Map<string, string>()
  let stopping: Promise<void> | undefined
  const assertRunning = (): void => {
    if (stopping !== undefined)
      throw new VpnEndpointError('WORLD_VPN_STOPPED', `VPN endpoint ${endpoint} is stopped`, { endpoint })
  }
  log.info('vpn.endpoint.started', { endpoint, publicKey, tunnelCidr: subnet.cidr })
  return {
    publicKey,
    endpoint,
    host,
    async addPeer(clientPublicKey) {
      assertRunning()
      const key = parseWireGuardKey(clientPublicKey)
      const known = peers.get(key)
      if (known !== undefined) return { clientAddress: known, peerConfig }
      // Allocated before the first await so concurrent registrations never share an address.
      const clientAddress = allocateClientAddress(subnet, new Set(peers.values()))
      if (clientAddress === undefined) {
        throw new VpnEndpointError(
          'WORLD_VPN_NO_FREE_ADDRESS',
          `all addresses of ${subnet.cidr} are taken; remove peers first`,
          { tunnelCidr: subnet.cidr },
        )
      }
      peers.set(key, clientAddress)
      try {
        check(await host.exec(['wg', 'set', 'wg0', 'peer', key, 'allowed-ips', clientAddress]), 'wg set peer')
      } catch (err) {
        peers.delete(key)
        throw err
      }
      log.info('vpn.peer.added', { clientAddress, clientPublicKey: key })
      return { clientAddress, peerConfig }
    },
    async removePeer(clientPublicKey) {
      assertRunning()
      const key = parseWireGuardKey(clientPublicKey)
      if (!peers.has(key)) return
      check(await host.exec(['wg', 'set', 'wg0', 'peer', key, 'remove']), 'wg remove peer')
      peers.delete(key)
      log.info('vpn.peer.removed', { clientPublicKey: key })
    },
    peers: () => [...peers].map(([publicKey, clientAddress]) => ({ publicKey, clientAddress })),
    stop() {
      stopping ??= host.destroy().then(() => log.info('vpn.endpoint.stopped', { endpoint }))
      return stopping
    },
  }
}
