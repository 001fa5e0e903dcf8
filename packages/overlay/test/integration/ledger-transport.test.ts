import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createMemoryLogger,
  createNullLogger,
  createSeededRng,
  createSystemClock,
  errorCode,
  realSleep,
} from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateIdentity, type Identity, bytesToHex } from '@dolly/base'
import {
  createExpectations,
  createLedger,
  createLedgerProtocol,
  openSqliteLedgerStore,
  type LedgerStore,
} from '@dolly/ledger'
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

describe('a countersignature waiting on a peer that restarted', () => {
  it('is asked again the moment the peer is learned at its new address, not after the attempt delay', async () => {
    const clock = createSystemClock()
    const started: Libp2pHost[] = []
    const stores: LedgerStore[] = []
    const agent = async (seed: string) => {
      const identity = generateIdentity(createSeededRng(seed))
      const host = await startLibp2pHost(identity, {
        listen: ['/ip4/127.0.0.1/tcp/0'],
        protocols: [ledgerProtocol],
        log: createNullLogger(),
      })
      started.push(host)
      const store = openSqliteLedgerStore(':memory:')
      stores.push(store)
      const expectations = createExpectations({ clock })
      const ledger = createLedger({ store, signer: identity, clock }, { policy: expectations })
      const logger = createMemoryLogger()
      const protocol = createLedgerProtocol(
        { ledger, store, transport: libp2pLedgerTransport(host), clock, logger },
        // The delay a restarted peer would wait out without being seen: far past this test's bound.
        { signAttemptDelayMs: 60_000, signTimeoutMs: 120_000 },
      )
      protocol.start()
      return { identity, host, store, ledger, expectations, protocol, logger }
    }
    try {
      const a = await agent('seen-restart-a')
      let b = await agent('seen-restart-b')
      a.host.learn(b.identity.publicKey, b.host.addresses())
      const oldAddrs = b.host.addresses()
      // b goes down before a proposes: a's first attempt finds nobody at b's address.
      b.protocol.stop()
      await b.host.stop()
      const t0 = Date.now()
      const pending = a.protocol.transact(b.identity.publicKey, 0n, 5n << 20n)
      const retried = (): boolean => a.logger.entries.some((e) => e.event === 'ledger.sign_retry')
      for (let i = 0; i < 200 && !retried(); i++) await realSleep(25)
      expect(retried()).toBe(true)
      // b is back on another port (as a restarted daemon whose port was taken would be) with its state.
      const again = await agent('seen-restart-b')
      expect(again.host.addresses()).not.toEqual(oldAddrs)
      b = again
      expect(
        b.expectations.expect(a.identity.publicKey, { ref: 'test', upBytes: 5n << 20n, downBytes: 0n }).ok,
      ).toBe(true)
      // Gossip (here: the test) tells a where b listens now; a sees b and proposes at once.
      a.host.learn(b.identity.publicKey, b.host.addresses())
      const result = await pending
      expect(result.ok, JSON.stringify(result)).toBe(true)
      expect(Date.now() - t0).toBeLessThan(30_000)
      expect(a.logger.entries.some((e) => e.event === 'ledger.sign_peer_seen')).toBe(true)
      expect(b.ledger.balance().bytes).toBe(5n << 20n)
    } finally {
      for (const h of started) await h.stop().catch(() => undefined)
      for (const s of stores) s.close()
    }
  }, 60_000)
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
