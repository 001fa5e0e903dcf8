import {
  createMemoryLogger,
  createSeededRng,
  createVirtualClock,
  type Logger,
  type VirtualClock,
} from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity, bytesEqual, createSignatureVerifier } from '@dolly/base'
import { createMemoryNetwork, type MemoryNetwork } from '../adapters/memory-transport.ts'
import { openSqliteLedgerStore } from '../adapters/sqlite-store.ts'
import { bandwidthRules } from '../bandwidth.ts'
import { BYTES_PER_MB } from '../constants.ts'
import { createExpectations } from '../expectations.ts'
import { createLedger } from '../ledger.ts'
import type { LedgerStore } from '../ports.ts'
import { verifyStoredChain } from '../verify-chain.ts'
import { createLedgerProtocol } from './ledger-protocol.ts'
import { decodeResponse, encodeRequest } from './messages.ts'

const MiB = BYTES_PER_MB
const open: LedgerStore[] = []
afterEach(() => {
  for (const store of open.splice(0)) store.close()
})

function agent(
  name: string,
  network: MemoryNetwork,
  clock: VirtualClock,
  o: { readonly online?: boolean; readonly seesPeers?: boolean; readonly logger?: Logger } = {},
) {
  const identity = generateIdentity(createSeededRng(name))
  const store = openSqliteLedgerStore(':memory:')
  open.push(store)
  const expectations = createExpectations({ clock })
  const ledger = createLedger({ store, signer: identity, clock }, { policy: expectations })
  const transport = network.transport(identity.publicKey)
  const protocol = createLedgerProtocol({
    ledger,
    store,
    // A transport that cannot tell when a peer is back (the port's onPeerSeen is optional).
    transport:
      o.seesPeers === false
        ? { request: (...args) => transport.request(...args), serve: (h) => transport.serve(h) }
        : transport,
    clock,
    ...(o.logger === undefined ? {} : { logger: o.logger }),
  })
  if (o.online !== false) protocol.start()
  return { identity, store, ledger, protocol, expectations, pk: identity.publicKey }
}

/** `to` records that `from` may propose a transaction in which it gave `up` and took `down` bytes. */
function expectTx(
  to: { expectations: ReturnType<typeof createExpectations> },
  from: Uint8Array,
  up: bigint,
  down: bigint,
) {
  const recorded = to.expectations.expect(from, { ref: 'test', upBytes: down, downBytes: up })
  if (!recorded.ok) throw new Error(recorded.code)
}

function verifies(store: LedgerStore, pk: Uint8Array): readonly unknown[] {
  return verifyStoredChain(store, pk, createSignatureVerifier(), { tribler_bandwidth: bandwidthRules })
    .problems
}

describe('signing protocol over the memory transport', () => {
  it('two agents sign 1,000 bandwidth transactions; both chains verify, balances match the traffic, a forged fork is caught with proof', async () => {
    const clock = createVirtualClock(1_700_000_000_000)
    const network = createMemoryNetwork()
    const a = agent('done-a', network, clock)
    const b = agent('done-b', network, clock)
    const rng = createSeededRng('traffic')
    let aGave = 0n
    let aTook = 0n
    for (let i = 0; i < 1000; i++) {
      const up = BigInt(rng.int(4)) * MiB
      const down = up === 0n ? BigInt(1 + rng.int(4)) * MiB : BigInt(rng.int(4)) * MiB
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a]
      expectTx(to, from.pk, up, down)
      // A second between proposals: each peer may send 5 requests a second (PEER_REQUESTS_PER_S).
      await clock.advance(1000)
      const result = await from.protocol.transact(to.pk, up, down)
      expect(result.ok).toBe(true)
      if (from === a) {
        aGave += up
        aTook += down
      } else {
        aGave += down
        aTook += up
      }
    }
    expect(a.ledger.latest()?.sequenceNumber).toBe(1000)
    expect(b.ledger.latest()?.sequenceNumber).toBe(1000)
    for (const holder of [a, b]) {
      expect(holder.store.count()).toBe(2000)
      expect(verifies(holder.store, a.pk)).toEqual([])
      expect(verifies(holder.store, b.pk)).toEqual([])
    }
    expect(a.ledger.balance().bytes).toBe(aGave - aTook)
    expect(b.ledger.balance().bytes).toBe(aTook - aGave)
    expect(b.ledger.balance(a.pk)).toEqual(a.ledger.balance())

    // A forges a fork: a different block 500 with a valid signature (it owns the key), sent as a proposal.
    const original = a.store.get(a.pk, 500)!
    const scratch = openSqliteLedgerStore(':memory:')
    open.push(scratch)
    const forger = createLedger({ store: scratch, signer: a.identity, clock })
    for (const block of a.store.range(a.pk, 1, 499, 1000)) expect(forger.add(block).ok || true).toBe(true)
    // The forger's scratch store holds only A's chain up to 499, so its next proposal is a fork at seq 500.
    const fork = forger.proposeBandwidth(b.pk, 0n, 100n * MiB)
    expect(fork.sequenceNumber).toBe(500)
    // B expects A to pay 100 MB (a trade), and A pays with a forked block.
    expectTx(b, a.pk, 0n, 100n * MiB)
    const refused = await a.protocol.requestSignature(b.pk, fork)
    expect(refused).toMatchObject({ ok: false, code: 'LEDGER_DOUBLE_SIGN' })
    const proofs = b.ledger.fraudProofs()
    expect(proofs).toHaveLength(1)
    expect(proofs[0]!.kind).toBe('double_sign')
    expect(bytesEqual(proofs[0]!.publicKey, a.pk)).toBe(true)
    expect(proofs[0]!.blocks.map((blk) => blk.sequenceNumber)).toEqual([500, 500])
    expect(bytesEqual(proofs[0]!.blocks[0].hash, original.hash)).toBe(true)
    expect(bytesEqual(proofs[0]!.blocks[1].hash, fork.hash)).toBe(true)
    expect(b.store.count()).toBe(2000)
    expect(b.ledger.balance(a.pk)).toEqual(a.ledger.balance())
  }, 60_000)

  it('crawls the proposer for its previous blocks before countersigning', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const a = agent('crawl-a', network, clock)
    const b = agent('crawl-b', network, clock)
    const c = agent('crawl-c', network, clock)
    for (let i = 0; i < 7; i++) {
      expectTx(c, a.pk, 0n, MiB)
      expect((await a.protocol.transact(c.pk, 0n, MiB)).ok).toBe(true)
    }
    // B knows nothing of A's chain: it fetches blocks 3..7 (validation range 5), then signs block 8.
    expectTx(b, a.pk, 0n, 2n * MiB)
    const result = await a.protocol.transact(b.pk, 0n, 2n * MiB)
    expect(result.ok).toBe(true)
    expect(b.store.range(a.pk, 1, 100, 100).map((blk) => blk.sequenceNumber)).toEqual([3, 4, 5, 6, 7, 8])
    expect(b.ledger.balance()).toEqual({ bytes: 2n * MiB, mb: 2n })
  })

  it('refuses a proposal it does not expect without storing it, and one it cannot validate', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const a = agent('refuse-a', network, clock)
    const b = agent('refuse-b', network, clock)
    const c = agent('refuse-c', network, clock)
    const costly = await a.protocol.transact(b.pk, 5n * MiB, 0n)
    expect(costly).toMatchObject({ ok: false, code: 'LEDGER_PROPOSAL_UNEXPECTED' })
    expect(b.store.count()).toBe(0)
    for (let i = 0; i < 3; i++) {
      expectTx(c, a.pk, 0n, MiB)
      expect((await a.protocol.transact(c.pk, 0n, MiB)).ok).toBe(true)
    }
    // A no longer answers crawls, so B cannot learn A's block 4 and must not sign block 5.
    a.protocol.stop()
    expectTx(b, a.pk, 0n, 3n * MiB)
    const paid = await a.protocol.transact(b.pk, 0n, 3n * MiB)
    expect(paid).toMatchObject({ ok: false, code: 'LEDGER_PROPOSAL_UNVERIFIABLE' })
    a.protocol.start()
    expect(await a.protocol.requestSignature(b.pk, a.ledger.latest()!)).toMatchObject({ ok: true })
    expect(b.ledger.balance().bytes).toBe(3n * MiB)
  })

  it('answers a repeated proposal with the same agreement (no double countersign)', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const a = agent('repeat-a', network, clock)
    const b = agent('repeat-b', network, clock)
    expectTx(b, a.pk, 0n, 4n * MiB)
    const proposal = a.ledger.proposeTransfer(b.pk, 4n)
    const first = await a.protocol.requestSignature(b.pk, proposal)
    const second = await a.protocol.requestSignature(b.pk, proposal)
    expect(first.ok && second.ok && bytesEqual(first.agreement.hash, second.agreement.hash)).toBe(true)
    expect(b.ledger.latest()?.sequenceNumber).toBe(1)
    expect(b.ledger.fraudProofs()).toEqual([])
  })

  it('retries an unreachable counterparty every attempt delay and gives up at the sign timeout', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const a = agent('timeout-a', network, clock)
    const silent = generateIdentity(createSeededRng('silent')).publicKey
    let attempts = 0
    network.transport(silent).serve(async () => {
      attempts++
      return new Promise<Uint8Array>(() => undefined)
    })
    const pending = a.protocol.transact(silent, 0n, MiB)
    while (clock.pending() > 0 || attempts === 0) if (!(await clock.runNext())) break
    const result = await pending
    expect(result).toMatchObject({ ok: false, code: 'LEDGER_TIMEOUT' })
    expect(attempts).toBe(36)
    expect(clock.nowMs()).toBe(360_000)
    // The proposal stays in A's chain, half-signed, as in py-ipv8.
    expect(a.ledger.latest()?.sequenceNumber).toBe(1)
    const nobody = generateIdentity(createSeededRng('nobody')).publicKey
    const unreachable = a.protocol.transact(nobody, 0n, MiB)
    while (await clock.runNext());
    expect(await unreachable).toMatchObject({ ok: false, code: 'LEDGER_TIMEOUT' })
  })

  it('stops waiting when the caller aborts', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const a = agent('abort-a', network, clock)
    const silent = generateIdentity(createSeededRng('silent-2')).publicKey
    network.transport(silent).serve(() => new Promise<Uint8Array>(() => undefined))
    const controller = new AbortController()
    const pending = a.protocol.transact(silent, 0n, MiB, { signal: controller.signal })
    await clock.advance(1000)
    controller.abort(new Error('caller gave up'))
    await expect(pending).rejects.toThrow('caller gave up')
    while (await clock.runNext());
    expect(clock.pending()).toBe(0)
  })

  it('completes a transaction over a network with latency, driven by the virtual clock', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork({ latencyMs: 40, clock })
    const a = agent('latency-a', network, clock)
    const b = agent('latency-b', network, clock)
    expectTx(b, a.pk, 0n, MiB)
    const pending = a.protocol.transact(b.pk, 0n, MiB)
    while (clock.pending() > 0) await clock.runNext()
    expect(await pending).toMatchObject({ ok: true })
    expect(clock.nowMs()).toBe(80)
    expect(() => createMemoryNetwork({ latencyMs: 5 })).toThrow(
      expect.objectContaining({ code: 'LEDGER_OPTION_INVALID' }),
    )
  })

  it('answers malformed requests with a refusal and never crashes', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const b = agent('malformed-b', network, clock)
    const mallory = network.transport(generateIdentity(createSeededRng('mallory')).publicKey)
    for (const request of [
      new Uint8Array(0),
      Uint8Array.of(0x09),
      Uint8Array.of(0x01, 1, 2, 3),
      encodeRequest({ kind: 'propose', proposal: new Uint8Array(10_000) }),
    ]) {
      const reply = await mallory.request(b.pk, request, {})
      expect(reply[0]).toBe(0x82)
    }
    const stranger = generateIdentity(createSeededRng('stranger'))
    const relayStore = openSqliteLedgerStore(':memory:')
    open.push(relayStore)
    const relayed = createLedger({ store: relayStore, signer: stranger, clock }).proposeTransfer(b.pk, 1n)
    expectTx(b, stranger.publicKey, 0n, MiB)
    const reply = await mallory.request(b.pk, encodeRequest({ kind: 'propose', proposal: relayed.bytes }), {})
    expect(decodeResponse(reply)).toMatchObject({ kind: 'refused', code: 'LEDGER_PROPOSAL_REFUSED' })
    expect(b.store.count()).toBe(0)
  })
})

describe('crawl', () => {
  it('returns exactly the requested range, negative seqs counting from the latest, in batches of at most 100', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const a = agent('range-a', network, clock)
    const b = agent('range-b', network, clock)
    const c = agent('range-c', network, clock)
    for (let i = 0; i < 250; i++) a.ledger.proposeTransfer(b.pk, 1n)
    const seqs = async (start: number, end: number): Promise<number[]> => {
      const result = await c.protocol.crawl(a.pk, a.pk, start, end)
      if (!result.ok) throw new Error(result.code)
      return result.blocks.map((blk) => blk.sequenceNumber)
    }
    expect(await seqs(-1, -1)).toEqual([250])
    expect(await seqs(-3, -1)).toEqual([248, 249, 250])
    expect(await seqs(10, 12)).toEqual([10, 11, 12])
    expect(await seqs(1, 250)).toHaveLength(100)
    expect(await seqs(300, 400)).toEqual([])
    const chain = await c.protocol.crawlChain(a.pk, a.pk)
    expect(chain.ok && chain.rejected).toEqual([])
    expect(c.store.range(a.pk, 1, 1000, 1000).map((blk) => blk.sequenceNumber)).toEqual(
      Array.from({ length: 250 }, (_, i) => i + 1),
    )
    expect(verifies(c.store, a.pk)).toEqual([])
  })

  it.each([true, false])(
    'sends a proposal to a peer that was offline again when it is seen (transport sees peers: %s)',
    async (seesPeers) => {
      const clock = createVirtualClock(1_700_000_000_000)
      const network = createMemoryNetwork()
      const logger = createMemoryLogger()
      const a = agent(`seen-a-${seesPeers}`, network, clock, { seesPeers, logger })
      const b = agent(`seen-b-${seesPeers}`, network, clock, { online: false })
      expectTx(b, a.pk, 2n * MiB, 0n)
      const t0 = clock.nowMs()
      let settledAt: number | undefined
      const pending = a.protocol.transact(b.pk, 2n * MiB, 0n).then((r) => {
        settledAt = clock.nowMs()
        return r
      })
      // The first attempt finds nobody; the proposal waits its attempt delay (10 s).
      const retried = (): boolean => logger.entries.some((e) => e.event === 'ledger.sign_retry')
      for (let i = 0; i < 1_000 && !retried(); i++) await Promise.resolve()
      expect(retried()).toBe(true)
      await clock.advance(1_000)
      expect(settledAt).toBeUndefined()
      // b comes online: a transport that sees it wakes the proposal now, another waits out the delay.
      b.protocol.start()
      if (!seesPeers) {
        await clock.advance(8_999)
        expect(settledAt).toBeUndefined()
        await clock.advance(1)
      }
      const result = await pending
      expect(logger.entries.some((e) => e.event === 'ledger.sign_peer_seen')).toBe(seesPeers)
      expect(result.ok).toBe(true)
      expect(settledAt !== undefined && settledAt - t0).toBe(seesPeers ? 1_000 : 10_000)
      expect(b.ledger.balance().bytes).toBe(-2n * MiB)
    },
  )

  it('times out on a silent peer and reports an unreachable one', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const c = agent('crawl-timeout-c', network, clock)
    const silent = generateIdentity(createSeededRng('crawl-silent')).publicKey
    network.transport(silent).serve(() => new Promise<Uint8Array>(() => undefined))
    const pending = c.protocol.crawl(silent, silent, 1, 10)
    await clock.advance(10_000)
    expect(await pending).toMatchObject({ ok: false, code: 'LEDGER_TIMEOUT' })
    expect(
      await c.protocol.crawl(generateIdentity(createSeededRng('gone')).publicKey, silent, 1, 10),
    ).toMatchObject({
      ok: false,
      code: 'LEDGER_PEER_UNREACHABLE',
    })
  })
})

describe('limits on what peers can make us do (issue 14)', () => {
  it('refuses a stranger\u2019s proposal LEDGER_PROPOSAL_UNEXPECTED without storing it or crawling the stranger', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const b = agent('stranger-b', network, clock)
    const s = agent('stranger-s', network, clock)
    const c = agent('stranger-c', network, clock)
    for (let i = 0; i < 3; i++) {
      expectTx(c, s.pk, 0n, MiB)
      expect((await s.protocol.transact(c.pk, 0n, MiB)).ok).toBe(true)
    }
    let crawled = 0
    const sTransport = network.transport(s.pk)
    s.protocol.stop()
    sTransport.serve(async () => {
      crawled++
      return Uint8Array.of(0x83, 0)
    })
    const result = await s.protocol.transact(b.pk, 0n, 1024n * MiB)
    expect(result).toMatchObject({ ok: false, code: 'LEDGER_PROPOSAL_UNEXPECTED' })
    expect(crawled).toBe(0)
    expect(b.store.count()).toBe(0)
    expect(b.ledger.balance().bytes).toBe(0n)
    expect(b.protocol.stats()).toMatchObject({ agreed: 0, refused: { LEDGER_PROPOSAL_UNEXPECTED: 1 } })
  })

  it('answers LEDGER_RATE_LIMITED above a peer\u2019s rate; the proposer waits and is agreed within its sign timeout', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const a = agent('rate-a', network, clock)
    const b = agent('rate-b', network, clock)
    // 50 crawls use A's whole burst (PEER_REQUEST_BURST) at B.
    for (let i = 0; i < 50; i++) expect((await a.protocol.crawl(b.pk, b.pk, 1, 1)).ok).toBe(true)
    expect(await a.protocol.crawl(b.pk, b.pk, 1, 1)).toMatchObject({ ok: false, code: 'LEDGER_RATE_LIMITED' })
    expectTx(b, a.pk, 0n, MiB)
    const pending = a.protocol.transact(b.pk, 0n, MiB)
    // Let the first attempt reach B before virtual time moves (a bounded number of microtask turns).
    const refusedNow = (): number => b.protocol.stats().refused['LEDGER_RATE_LIMITED'] ?? 0
    for (let turn = 0; turn < 1000 && refusedNow() < 2; turn++) await Promise.resolve()
    expect(refusedNow()).toBe(2)
    while (clock.pending() > 0) await clock.runNext()
    expect(await pending).toMatchObject({ ok: true })
    expect(clock.nowMs()).toBe(10_000)
    expect(b.ledger.balance().bytes).toBe(MiB)
    expect(b.protocol.stats().refused['LEDGER_RATE_LIMITED']).toBe(2)
  })

  it('makes strangers share one budget for crawls while a counterparty is still served', async () => {
    const clock = createVirtualClock(0)
    const network = createMemoryNetwork()
    const b = agent('budget-b', network, clock)
    const counterparty = agent('budget-c', network, clock)
    for (let i = 0; i < 3; i++) b.ledger.proposeTransfer(counterparty.pk, 1n)
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        network
          .transport(generateIdentity(createSeededRng(`crawler-${i}`)).publicKey)
          .request(b.pk, encodeRequest({ kind: 'crawl', publicKey: b.pk, startSeq: 1, endSeq: 3 }), {})
          .then(decodeResponse),
      ),
    )
    const served = replies.filter((r) => r?.kind === 'blocks').length
    expect(served).toBe(100)
    expect(replies.filter((r) => r?.kind === 'refused' && r.code === 'LEDGER_RATE_LIMITED')).toHaveLength(200)
    expectTx(b, counterparty.pk, 0n, MiB)
    expect(await counterparty.protocol.crawl(b.pk, b.pk, 1, 3)).toMatchObject({ ok: true })
    expect(b.protocol.stats()).toMatchObject({ crawlsServed: 101, limiterPeers: 301 })
  })
})
