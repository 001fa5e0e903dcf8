import { createSeededRng, errorCode } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '@dolly/base'
import { MAX_MESSAGE_BYTES } from '../protocol/messages.ts'
import type { LedgerTransport } from '../ports.ts'

/** One agent on the network under test. */
export interface ContractAgent {
  /** The agent's raw public key (its address). */
  readonly publicKey: Uint8Array
  /** Its end of the transport. */
  readonly transport: LedgerTransport
}

/** A network under test: makes agents, and tears everything down. */
export interface ContractNetwork {
  /** Adds an agent with the given key to the network. */
  agent(publicKey: Uint8Array): Promise<ContractAgent>
  /** Stops everything the network started. */
  close(): Promise<void>
}

/**
 * The contract every `LedgerTransport` adapter passes (STYLE.md §4): the memory adapter runs it in
 * its unit test, the libp2p adapter in its integration test, so the memory transport is trusted.
 */
export function ledgerTransportContract(name: string, setup: () => Promise<ContractNetwork>): void {
  describe(`LedgerTransport contract: ${name}`, () => {
    const open: ContractNetwork[] = []
    afterEach(async () => {
      for (const n of open.splice(0)) await n.close()
    })
    const network = async (): Promise<ContractNetwork> => {
      const n = await setup()
      open.push(n)
      return n
    }
    const key = (seed: string): Uint8Array => generateIdentity(createSeededRng(seed)).publicKey

    it('delivers the request bytes with the requester as peer, and returns the reply bytes', async () => {
      const net = await network()
      const a = await net.agent(key('contract-a'))
      const b = await net.agent(key('contract-b'))
      const seen: { peer: Uint8Array; request: Uint8Array }[] = []
      b.transport.serve(async (peer, request) => {
        seen.push({ peer, request })
        return Uint8Array.of(...request, 0xff)
      })
      const reply = await a.transport.request(b.publicKey, Uint8Array.of(1, 2, 3), {})
      expect([...reply]).toEqual([1, 2, 3, 0xff])
      expect(seen.map((s) => [[...s.peer], [...s.request]])).toEqual([[[...a.publicKey], [1, 2, 3]]])
    })

    it('carries a message of the largest size intact', async () => {
      const net = await network()
      const a = await net.agent(key('contract-big-a'))
      const b = await net.agent(key('contract-big-b'))
      b.transport.serve(async (_peer, request) => request)
      const big = createSeededRng('big').bytes(MAX_MESSAGE_BYTES)
      const reply = await a.transport.request(b.publicKey, big, {})
      // Byte-wise compare: toEqual walks a 6 MB array element by element (seconds on a loaded machine).
      expect(reply.length).toBe(big.length)
      expect(Buffer.compare(Buffer.from(reply), Buffer.from(big))).toBe(0)
    })

    it('answers concurrent requests each with its own reply', async () => {
      const net = await network()
      const a = await net.agent(key('contract-cc-a'))
      const b = await net.agent(key('contract-cc-b'))
      b.transport.serve(async (_peer, request) => Uint8Array.of((request[0] ?? 0) * 2))
      const replies = await Promise.all(
        [1, 2, 3, 4, 5].map((n) => a.transport.request(b.publicKey, Uint8Array.of(n), {})),
      )
      expect(replies.map((r) => r[0])).toEqual([2, 4, 6, 8, 10])
    })

    it('rejects LEDGER_PEER_UNREACHABLE for a key nobody serves, also after it stopped serving', async () => {
      const net = await network()
      const a = await net.agent(key('contract-u-a'))
      const b = await net.agent(key('contract-u-b'))
      const failure = await a.transport
        .request(key('contract-nobody'), Uint8Array.of(1), {})
        .catch((err: unknown) => err)
      expect(errorCode(failure)).toBe('LEDGER_PEER_UNREACHABLE')
      const stop = b.transport.serve(async () => Uint8Array.of(1))
      expect([...(await a.transport.request(b.publicKey, Uint8Array.of(0), {}))]).toEqual([1])
      stop()
      const after = await a.transport.request(b.publicKey, Uint8Array.of(0), {}).catch((err: unknown) => err)
      expect(errorCode(after)).toBe('LEDGER_PEER_UNREACHABLE')
    })

    it('rejects a pending request with the abort reason', async () => {
      const net = await network()
      const a = await net.agent(key('contract-ab-a'))
      const b = await net.agent(key('contract-ab-b'))
      b.transport.serve(
        (_peer, _request, { signal }) =>
          new Promise<Uint8Array>((_resolve, reject) =>
            signal?.addEventListener('abort', () => reject(signal.reason)),
          ),
      )
      const controller = new AbortController()
      const pending = a.transport.request(b.publicKey, Uint8Array.of(1), { signal: controller.signal })
      const reason = new Error('gave up')
      controller.abort(reason)
      await expect(pending).rejects.toBe(reason)
    })
  })
}
