import { hexToBytes } from '@dolly/base'
import { peerIdOfKey } from '@dolly/overlay'
import { WorldError } from '../errors.ts'

/** The agents' overlay TCP port (the daemon's default listen address 0.0.0.0:8000). */
export const AGENT_OVERLAY_PORT = 8000

/** What the world knows of an agent that a user can bootstrap from. */
export interface BootstrapAgent {
  /** Ed25519 public key, hex (the agent's status `publicKey`; its libp2p peer id is derived from it). */
  readonly id: string
  readonly hostIp: string
  readonly alive: boolean
}

/** The overlay multiaddr of an agent: `/ip4/<host ip>/tcp/8000/p2p/<peer id>`. */
export function agentMultiaddr(publicKeyHex: string, hostIp: string, port = AGENT_OVERLAY_PORT): string {
  const key = hexToBytes(publicKeyHex)
  if (key?.length !== 32)
    throw new WorldError('WORLD_INVALID_OPTION', `agent key ${publicKeyHex} is not 32 bytes of hex`, {
      publicKeyHex,
    })
  return `/ip4/${hostIp}/tcp/${port}/p2p/${peerIdOfKey(key).toString()}`
}

/** Bootstrap multiaddrs of the agents alive now, in the census's order. */
export function bootstrapAddrs(agents: readonly BootstrapAgent[]): string[] {
  return agents.filter((a) => a.alive).map((a) => agentMultiaddr(a.id, a.hostIp))
}
