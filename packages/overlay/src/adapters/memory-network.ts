import { bytesToHex } from '@dolly/base'
import { createMemoryNetwork, type MemoryNetworkOptions } from '@dolly/ledger'
import type { NetworkTransport } from '../ports.ts'

/** In-process overlay transports reachable by public key: 50 to 1,000 agents in one test or bench. */
export interface MemoryOverlay {
  /** The transport of the agent with `publicKey`; its address is `mem/<hex id>`. */
  transport(publicKey: Uint8Array): NetworkTransport
}

/**
 * The ledger's memory network (same bytes a real transport would carry, copied on the way) plus
 * the address calls of the overlay port; addresses are informative only, delivery is by key.
 */
export function createMemoryOverlay(options: MemoryNetworkOptions = {}): MemoryOverlay {
  const network = createMemoryNetwork(options)
  return {
    transport(publicKey) {
      const inner = network.transport(publicKey)
      const addrs = [`mem/${bytesToHex(publicKey)}`]
      return {
        request: (peer, request, o) => inner.request(peer, request, o),
        serve: (handler) => inner.serve(handler),
        addresses: () => addrs,
        learn: () => undefined,
      }
    },
  }
}
