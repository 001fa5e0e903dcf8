import { hexToBytes } from '@dolly/base'
import { peerIdOfKey, type HopInfo } from '@dolly/overlay'
import type { HopDescriptor } from '@dolly/tunnels'

const MAX_CACHED_PEER_IDS = 4096
const peerIds = new Map<string, string>()

/** The libp2p peer id (base58) of an agent's hex Ed25519 key, cached; undefined for a malformed key. */
export function peerIdOfHex(id: string): string | undefined {
  const held = peerIds.get(id)
  if (held !== undefined) return held
  const key = hexToBytes(id)
  if (key?.byteLength !== 32) return undefined
  let peerId: string
  try {
    peerId = peerIdOfKey(key).toString()
  } catch {
    return undefined
  }
  if (peerIds.size >= MAX_CACHED_PEER_IDS) peerIds.clear()
  peerIds.set(id, peerId)
  return peerId
}

/**
 * The tunnel directory from the overlay's hop advertisements: each hop under the libp2p peer id its
 * signing key derives (the id the tunnel transport's Noise authenticates), with its X25519 key and roles.
 */
export function hopDescriptors(hops: readonly HopInfo[]): HopDescriptor[] {
  return hops.flatMap((h) => {
    const peerId = peerIdOfHex(h.id)
    const publicKey = hexToBytes(h.tunnelKey)
    if (peerId === undefined || publicKey?.byteLength !== 32) return []
    return [{ peerId, publicKey, relay: h.relay, exit: h.exit }]
  })
}
