import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNullLogger, createSeededRng, errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateIdentity, type Identity, bytesToHex } from '@dolly/base'
import { ledgerTransportContract } from '@dolly/ledger/transport-contract'
import { startLibp2pHost, type Libp2pHost } from '../../src/adapters/libp2p-host.ts'
import { ledgerProtocol, libp2pLedgerTransport } from '../../src/adapters/libp2p-ledger-transport.ts'
import { oneShotLedgerTransport } from '../../src/adapters/one-shot-ledger-transport.ts'
import type { NetworkSnapshot } from '../../src/snapshot.ts'

// The contract hands out only public keys, derived from these seeds; a libp2p node needs the private
// key behind its peer id, so the setup re-derives the identities of the seeds the suite uses.
const CONTRACT_SEEDS = [
  'contract-a',
  'contract-b',
  'contract-big-a',
  'contract-big-b',
  'contract-cc-a',
  'contract-cc-b',
  'contract-u-a',
  'contract-u-b',
  'contract-ab-a',
  'contract-ab-b',
]
const identities = new Map<string, Identity>(
  CONTRACT_SEEDS.map((seed) => {
    const identity = generateIdentity(createSeededRng(seed))
    return [bytesToHex(identity.publicKey), identity]
  }),
)

ledgerTransportContract('libp2p (tcp + noise + yamux on loopback)', async () => {
  const hosts: Libp2pHost[] = []
  return {
    async agent(publicKey) {
      const identity = identities.get(bytesToHex(publicKey))
      if (identity === undefined)
        throw new Error(
          `the contract used an unknown key ${bytesToHex(publicKey)}; add its seed to CONTRACT_SEEDS`,
        )
      const host = await startLibp2pHost(identity, {
        listen: ['/ip4/127.0.0.1/tcp/0'],
        protocols: [ledgerProtocol],
        log: createNullLogger(),
      })
      // Every agent learns every other's address, as gossip of contact records would teach it.
      for (const other of hosts) {
        other.learn(publicKey, host.addresses())
        host.learn(other.peerId.publicKey?.raw ?? new Uint8Array(0), other.addresses())
      }
      hosts.push(host)
      return { publicKey, transport: libp2pLedgerTransport(host) }
    },
    async close() {
      for (const h of hosts.splice(0)) await h.stop()
    },
  }
})

describe('one-shot ledger transport of the CLI', () => {
  it('dials a peer at the address network.json lists, and refuses an unknown one', async () => {
    const home = await mkdtemp(join(tmpdir(), 'dolly-oneshot-'))
    const server = generateIdentity(createSeededRng('oneshot-server'))
    const client = generateIdentity(createSeededRng('oneshot-client'))
    const host = await startLibp2pHost(server, {
      listen: ['/ip4/127.0.0.1/tcp/0'],
      protocols: [ledgerProtocol],
      log: createNullLogger(),
    })
    try {
      const seen: string[] = []
      libp2pLedgerTransport(host).serve(async (peer, request) => {
        seen.push(bytesToHex(peer))
        return Uint8Array.of(...request, 7)
      })
      const snapshot: NetworkSnapshot = {
        format: 'dolly-network',
        version: 1,
        id: bytesToHex(client.publicKey),
        peerId: 'client',
        addrs: [],
        treePath: 'plebbot1',
        writtenAtMs: 0,
        view: [],
        contacts: [
          {
            id: bytesToHex(server.publicKey),
            addrs: [...host.addresses()],
            treePath: 'plebbot2',
            updatedMs: 0,
            expiresMs: 1,
            inView: true,
          },
        ],
        stats: {
          bytesSent: 0,
          bytesReceived: 0,
          messagesSent: 0,
          shuffles: 0,
          exchanges: 0,
          failedRequests: 0,
          rejected: {},
        },
      }
      await writeFile(join(home, 'network.json'), JSON.stringify(snapshot))
      const transport = oneShotLedgerTransport(client, { home })
      expect([...(await transport.request(server.publicKey, Uint8Array.of(1, 2), {}))]).toEqual([1, 2, 7])
      // The server saw the client's identity key, authenticated by Noise.
      expect(seen).toEqual([bytesToHex(client.publicKey)])
      const unknown = await transport.request(client.publicKey, Uint8Array.of(1), {}).catch((e: unknown) => e)
      expect(errorCode(unknown)).toBe('LEDGER_PEER_UNREACHABLE')
    } finally {
      await host.stop()
      await rm(home, { recursive: true, force: true })
    }
  })
})
