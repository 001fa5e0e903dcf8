import { createNullLogger, type AbortOptions, type Logger } from '@dolly/base'
import { type Identity, bytesToHex } from '@dolly/base'
import { LedgerError, type LedgerTransport } from '@dolly/ledger'
import { startLibp2pHost } from './libp2p-host.ts'
import { ledgerProtocol } from './libp2p-ledger-transport.ts'
import { readNetworkSnapshot } from './network-component.ts'

/** Options of a one-shot transport. */
export interface OneShotLedgerTransportOptions {
  /** Agent home: peers' addresses come from the daemon's `network.json`. */
  readonly home: string
  readonly log?: Logger
}

/**
 * The ledger transport of a CLI command (`plebnet ledger crawl`): each request starts a libp2p node
 * with the agent's key and no listener, dials the peer at the addresses the running daemon knows
 * (`network.json`), and stops the node again, so the command exits when done. It only requests;
 * serving is the daemon's job.
 */
export function oneShotLedgerTransport(
  identity: Identity,
  options: OneShotLedgerTransportOptions,
): LedgerTransport {
  return {
    async request(peer: Uint8Array, request: Uint8Array, requestOptions: AbortOptions): Promise<Uint8Array> {
      const peerHex = bytesToHex(peer)
      const snapshot = await readNetworkSnapshot(options.home)
      const contact = snapshot.contacts.find((c) => c.id === peerHex)
      if (contact === undefined)
        throw new LedgerError(
          'LEDGER_PEER_UNREACHABLE',
          `${peerHex.slice(0, 16)}… is not among the ${snapshot.contacts.length} contacts in ${options.home}/network.json; see plebnet network peers`,
          { peer: peerHex },
        )
      const host = await startLibp2pHost(identity, {
        listen: [],
        protocols: [],
        log: options.log ?? createNullLogger(),
      })
      try {
        host.learn(peer, contact.addrs)
        return await host.request(ledgerProtocol, peer, request, requestOptions)
      } finally {
        await host.stop()
      }
    },
    serve() {
      throw new LedgerError(
        'LEDGER_OPTION_INVALID',
        'a one-shot CLI transport does not serve; the daemon serves the ledger protocol',
      )
    },
  }
}
