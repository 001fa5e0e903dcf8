import { bytesToHex, createSignatureVerifier, identityFromSeed, type Clock, type Identity } from '@dolly/base'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFileTradeJournal } from './adapters/file-journal.ts'
import { marketCodeOf } from '../errors.ts'
import { createMemorySettlement, type MemorySettlement } from './adapters/memory-settlement.ts'
import { createMemoryTradeJournal, type JournalEntry, type MemoryTradeJournal } from './journal.ts'
import { encodeTradeMessage, type TradeMessage } from './messages.ts'
import type { Negotiator, TokenLedger, TradeJournal, TrustPolicy } from './ports.ts'
import { paymentSchedule } from './schedule.ts'
import { scheduleTermsOf, type TradeTerms } from './terms.ts'
import {
  createTradeEngine,
  TRADE_ENGINE_DEFAULTS,
  type TradeEngine,
  type TradeEngineOptions,
} from './trade.ts'

const ALICE = identityFromSeed(new Uint8Array(32).fill(1))
const BOB = identityFromSeed(new Uint8Array(32).fill(2))
const MALLORY = identityFromSeed(new Uint8Array(32).fill(3))
const hex = (i: Identity): string => bytesToHex(i.publicKey)
const OPTIONS: TradeEngineOptions = {
  ...TRADE_ENGINE_DEFAULTS,
  roundTimeoutMs: 10_000,
  confirmationPollMs: 1_000,
}

/** Alice proposes; she sells MB unless `aliceSellsMb` is false. Golden-like amounts, 0-conf sized. */
function terms(aliceSellsMb = true, tradeId = 't1'): TradeTerms {
  return {
    tradeId,
    proposer: hex(ALICE),
    responder: hex(BOB),
    mbSeller: aliceSellsMb ? 'proposer' : 'responder',
    mbBytes: 1000n * 2n ** 20n,
    sats: 10_000n,
    mbMinUnit: 10n * 2n ** 20n,
    satsMinUnit: 100n,
  }
}

/** A clock whose sleep jumps time (and mines a block: a confirmation wait ends). */
function jumpClock(chain: MemorySettlement): Clock & { now: number } {
  const c = {
    now: 1_000_000,
    nowMs: () => c.now,
    sleep: (ms: number) => {
      c.now += Math.max(ms, 1)
      chain.mine()
      return Promise.resolve()
    },
  }
  return c
}

function openTrust(zeroConfSats = 1_000_000n): TrustPolicy & { settledCalls: [string, boolean][] } {
  const settledCalls: [string, boolean][] = []
  return {
    settledCalls,
    admit: () => Promise.resolve({ ok: true, zeroConfSats }),
    settled: (peer, ok) => settledCalls.push([peer, ok]),
  }
}

class Killed extends Error {}

/** A journal that dies at its n-th append: before it is written, or right after. */
function crashingJournal(
  inner: TradeJournal,
  at: number,
  mode: 'before' | 'after',
  onCrash: () => void,
): TradeJournal {
  let count = 0
  let dead = false
  return {
    async append(entry) {
      if (dead) throw new Killed('dead')
      count += 1
      if (count === at) {
        dead = true
        onCrash()
        if (mode === 'after') await inner.append(entry)
        throw new Killed(`killed at append ${at} (${mode})`)
      }
      await inner.append(entry)
    },
    readAll: () => inner.readAll(),
  }
}

interface Node {
  readonly id: Identity
  engine: TradeEngine
  alive: boolean
  readonly journal: MemoryTradeJournal
  readonly trust: ReturnType<typeof openTrust>
}

interface StartOptions {
  /** Kill this run of the node at its n-th journal append. */
  readonly crash?: { at: number; mode: 'before' | 'after' } | undefined
  readonly negotiator?: Negotiator
  /** Wraps the node's ledger port (fault injection). */
  readonly ledger?: (inner: TokenLedger) => TokenLedger
  /** The journal to use instead of the net's memory journal of this node. */
  readonly journal?: TradeJournal
}

interface Net {
  readonly chain: MemorySettlement
  readonly clock: Clock & { now: number }
  readonly nodes: Map<string, Node>
  readonly queue: { to: string; bytes: Uint8Array }[]
  readonly rejections: string[]
  start(id: Identity, opts?: StartOptions): Node
  pump(): Promise<void>
}

function createNet(trustZeroConf = 1_000_000n, options: TradeEngineOptions = OPTIONS): Net {
  const chain = createMemorySettlement()
  const clock = jumpClock(chain)
  const nodes = new Map<string, Node>()
  const queue: { to: string; bytes: Uint8Array }[] = []
  const rejections: string[] = []
  const journals = new Map<string, MemoryTradeJournal>()
  const trusts = new Map<string, ReturnType<typeof openTrust>>()
  const net: Net = {
    chain,
    clock,
    nodes,
    queue,
    rejections,
    start(id, opts = {}) {
      const { crash, negotiator } = opts
      const key = hex(id)
      const journal = journals.get(key) ?? createMemoryTradeJournal()
      journals.set(key, journal)
      const trust = trusts.get(key) ?? openTrust(trustZeroConf)
      trusts.set(key, trust)
      const node: Node = { id, journal, trust, alive: true, engine: undefined as unknown as TradeEngine }
      const guard = <T>(fn: () => Promise<T>): Promise<T> =>
        node.alive ? fn() : Promise.reject(new Killed('dead'))
      const ledger = (opts.ledger ?? ((l: TokenLedger) => l))(chain.ledgerFor(key))
      const payer = chain.payerFor(key)
      node.engine = createTradeEngine(
        {
          identity: id,
          verifier: createSignatureVerifier(),
          ledger: {
            transfer: (to, b, k) => guard(() => ledger.transfer(to, b, k)),
            findTransfer: (k) => guard(() => ledger.findTransfer(k)),
            received: (f, r) => guard(() => ledger.received(f, r)),
          },
          payer: {
            receiveAddress: (t) => guard(() => payer.receiveAddress(t)),
            pay: (a, s, k) => guard(() => payer.pay(a, s, k)),
            findPayment: (k) => guard(() => payer.findPayment(k)),
            incoming: (a, t) => guard(() => payer.incoming(a, t)),
          },
          trust,
          clock,
          journal: crash
            ? crashingJournal(opts.journal ?? journal, crash.at, crash.mode, () => {
                node.alive = false
              })
            : (opts.journal ?? journal),
          transport: {
            send: (to, bytes) => {
              if (node.alive) queue.push({ to, bytes })
            },
          },
          ...(negotiator ? { negotiator } : {}),
        },
        options,
      )
      nodes.set(key, node)
      return node
    },
    async pump() {
      for (let i = 0; i < 10_000 && queue.length > 0; i++) {
        const m = queue.shift()
        const node = m && nodes.get(m.to)
        if (!m || !node?.alive) continue
        try {
          await node.engine.receive(m.bytes)
        } catch (err) {
          if (err instanceof Killed) continue
          rejections.push(marketCodeOf(err) ?? String(err))
        }
      }
    },
  }
  return net
}

function fundBoth(net: Net, t: TradeTerms): void {
  net.chain.fund(hex(ALICE), 'mb', t.mbBytes)
  net.chain.fund(hex(BOB), 'mb', t.mbBytes)
  net.chain.fund(hex(ALICE), 'btc', t.sats)
  net.chain.fund(hex(BOB), 'btc', t.sats)
}

/** Drives timeouts until both sides are closed (bounded). */
async function runToEnd(net: Net, tradeId: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await net.pump()
    const phases = [...net.nodes.values()].map((n) => n.engine.snapshot(tradeId)?.phase)
    if (phases.every((p) => p === 'completed' || p === 'aborted' || p === undefined)) return
    net.clock.now += OPTIONS.roundTimeoutMs / 2 + 1
    for (const n of net.nodes.values()) if (n.alive) await n.engine.checkTimeouts()
  }
}

function paidSum(j: readonly JournalEntry[], kind: 'pay-done' | 'received'): bigint {
  return j.reduce((a, e) => a + (e.kind === kind ? e.amount : 0n), 0n)
}

describe('trade engine', () => {
  it('completes a trade: MB and sats move exactly, in the schedule, each side journaled', async () => {
    const net = createNet()
    const t = terms()
    fundBoth(net, t)
    const alice = net.start(ALICE)
    net.start(BOB)
    await alice.engine.propose(t)
    await net.pump()
    expect(alice.engine.snapshot('t1')).toMatchObject({
      phase: 'completed',
      paid: t.mbBytes,
      received: t.sats,
    })
    expect(net.nodes.get(hex(BOB))?.engine.snapshot('t1')).toMatchObject({ phase: 'completed', paid: t.sats })
    expect(net.chain.balance(hex(ALICE), 'mb')).toBe(0n)
    expect(net.chain.balance(hex(BOB), 'mb')).toBe(2n * t.mbBytes)
    expect(net.chain.balance(hex(ALICE), 'btc')).toBe(2n * t.sats)
    // Effects follow the schedule round by round.
    const steps = paymentSchedule(scheduleTermsOf(t))
    expect(net.chain.effects.map((e) => e.amount)).toEqual(steps.map((s) => s.amount))
    expect(net.chain.effects.map((e) => e.asset)).toEqual(
      steps.map((s) => (s.payer === 'first' ? 'mb' : 'btc')),
    )
    expect(net.rejections).toEqual([])
    expect(alice.trust.settledCalls).toEqual([[hex(BOB), true]])
  })

  it('waits for a confirmation once the 0-conf allowance is used', async () => {
    const net = createNet(2_000n)
    const t = terms()
    fundBoth(net, t)
    const alice = net.start(ALICE)
    net.start(BOB)
    const t0 = net.clock.now
    await alice.engine.propose(t)
    await net.pump()
    expect(alice.engine.snapshot('t1')?.phase).toBe('completed')
    const zeroConf = alice.journal.entries.filter((e) => e.kind === 'received' && e.zeroConf)
    const confirmed = alice.journal.entries.filter((e) => e.kind === 'received' && !e.zeroConf)
    expect(zeroConf.reduce((a, e) => a + (e.kind === 'received' ? e.amount : 0n), 0n)).toBeLessThanOrEqual(
      2_000n,
    )
    expect(confirmed.length).toBeGreaterThan(0)
    expect(net.clock.now).toBeGreaterThan(t0) // it slept for blocks
  })

  it('negotiates: counter, then accept of the counter; decline closes both', async () => {
    const net = createNet()
    const t = terms()
    fundBoth(net, t)
    const alice = net.start(ALICE)
    const bob = net.start(BOB, {
      negotiator: (offered, counters) =>
        counters === 0 ? { kind: 'counter', mbBytes: offered.mbBytes, sats: 9_000n } : { kind: 'accept' },
    })
    await alice.engine.propose(t)
    await net.pump()
    expect(bob.engine.snapshot('t1')).toMatchObject({ phase: 'completed', paid: 9_000n })
    const net2 = createNet()
    fundBoth(net2, t)
    const a2 = net2.start(ALICE)
    const b2 = net2.start(BOB, { negotiator: () => ({ kind: 'decline', reason: 'no' }) })
    await a2.engine.propose(t)
    await net2.pump()
    expect(a2.engine.snapshot('t1')).toMatchObject({ phase: 'aborted', reason: 'MARKET_TRADE_DECLINED' })
    expect(b2.engine.snapshot('t1')?.phase).toBe('aborted')
    expect(net2.chain.effects).toEqual([])
  })

  it('refuses to open a trade trust does not admit', async () => {
    const net = createNet()
    const t = terms()
    fundBoth(net, t)
    const alice = net.start(ALICE)
    const bob = net.start(BOB)
    Object.assign(bob.trust, { admit: () => Promise.resolve({ ok: false, reason: 'too many open trades' }) })
    await alice.engine.propose(t)
    await net.pump()
    expect(bob.engine.snapshot('t1')).toMatchObject({ phase: 'aborted', reason: 'MARKET_TRADE_UNTRUSTED' })
    expect(alice.engine.snapshot('t1')).toMatchObject({ phase: 'aborted', reason: 'MARKET_TRADE_DECLINED' })
    expect(net.chain.effects).toEqual([])
    // A proposer that does not trust the responder proposes nothing.
    Object.assign(alice.trust, {
      admit: () => Promise.resolve({ ok: false, reason: 'Model 0 budget spent' }),
    })
    await expect(alice.engine.propose(terms(true, 't2'))).rejects.toMatchObject({
      code: 'MARKET_TRADE_UNTRUSTED',
    })
    expect(net.queue).toEqual([])
    expect(alice.engine.snapshot('t2')).toBeUndefined()
  })

  for (const aliceSellsMb of [true, false]) {
    it(`a cheater stopping at each round costs the honest side at most one increment (Alice sells MB: ${aliceSellsMb})`, async () => {
      const t = terms(aliceSellsMb)
      const steps = paymentSchedule(scheduleTermsOf(t))
      // The cheater dies silently at its k-th pay-intent: it has made k − 1 payments.
      for (const cheater of [ALICE, BOB]) {
        const cheaterSellsMb = (cheater === ALICE) === aliceSellsMb
        const cheaterPayments = steps.filter((s) => (s.payer === 'first') === cheaterSellsMb).length
        for (let k = 1; k <= cheaterPayments; k++) {
          const net = createNet()
          fundBoth(net, t)
          const honest = cheater === ALICE ? BOB : ALICE
          // Find the cheater's k-th pay-intent in an honest run; the cheater dies silently right there.
          const probe = createNet()
          fundBoth(probe, t)
          const p1 = probe.start(ALICE)
          probe.start(BOB)
          await p1.engine.propose(t)
          await probe.pump()
          const cheaterEntries = probe.nodes.get(hex(cheater))?.journal.entries ?? []
          let intents = 0
          let at = 0
          for (const [i, e] of cheaterEntries.entries()) {
            if (e.kind === 'pay-intent' && ++intents === k) at = i + 1
          }
          expect(at).toBeGreaterThan(0)
          net.start(cheater, { crash: { at, mode: 'before' } })
          net.start(honest)
          const proposer = net.nodes.get(hex(ALICE))
          await proposer?.engine.propose(t)
          await runToEnd(net, 't1')
          const h = net.nodes.get(hex(honest))
          expect(h?.engine.snapshot('t1')).toMatchObject({ phase: 'aborted', reason: 'MARKET_TRADE_TIMEOUT' })
          // Loss in value (sats): what the honest side paid minus what it got, priced at the trade's rate.
          const honestSellsMb = !cheaterSellsMb
          const paid = h?.engine.snapshot('t1')?.paid ?? 0n
          const got = h?.engine.snapshot('t1')?.received ?? 0n
          const paidValue = honestSellsMb ? (paid * t.sats) / t.mbBytes : paid
          const gotValue = honestSellsMb ? got : (got * t.sats) / t.mbBytes
          const lastIncrement = (h?.journal.entries ?? []).filter((e) => e.kind === 'pay-done').at(-1)
          const lastValue =
            lastIncrement?.kind === 'pay-done'
              ? honestSellsMb
                ? (lastIncrement.amount * t.sats) / t.mbBytes
                : lastIncrement.amount
              : 0n
          expect(paidValue - gotValue).toBeLessThanOrEqual(lastValue + 1n)
          expect(h?.trust.settledCalls.at(-1)).toEqual([hex(cheater), false])
        }
      }
    })
  }

  for (const [aliceSellsMb, zeroConf] of [
    [true, 1_000_000n],
    [false, 1_000_000n],
    [true, 0n],
  ] as const) {
    it(`kill -9 at every journaled step of either side, before or after the write: resume or abort, never pay twice (Alice sells MB: ${aliceSellsMb}, 0-conf allowance ${zeroConf} sats)`, async () => {
      const t = terms(aliceSellsMb)
      const probe = createNet(zeroConf)
      fundBoth(probe, t)
      const pa = probe.start(ALICE)
      probe.start(BOB)
      await pa.engine.propose(t)
      await probe.pump()
      const counts = new Map([
        [hex(ALICE), pa.journal.entries.length],
        [hex(BOB), probe.nodes.get(hex(BOB))?.journal.entries.length ?? 0],
      ])
      let runs = 0
      let completed = 0
      const outcomes: string[] = []
      for (const victim of [ALICE, BOB]) {
        for (let at = 1; at <= (counts.get(hex(victim)) ?? 0); at++) {
          for (const mode of ['before', 'after'] as const) {
            const net = createNet(zeroConf)
            fundBoth(net, t)
            net.start(ALICE, { crash: victim === ALICE ? { at, mode } : undefined })
            net.start(BOB, { crash: victim === BOB ? { at, mode } : undefined })
            await net.nodes
              .get(hex(ALICE))
              ?.engine.propose(t)
              .catch((err: unknown) => {
                if (!(err instanceof Killed)) throw err
              })
            await net.pump()
            // Restart the victim from its journal.
            const restarted = net.start(victim)
            await restarted.engine.recover()
            await runToEnd(net, 't1')
            runs += 1
            const label = `${victim === ALICE ? 'alice' : 'bob'} at ${at} ${mode}`
            expect(net.chain.reusedKeys, label).toEqual([])
            const snaps = [...net.nodes.values()].map((n) => n.engine.snapshot('t1'))
            for (const s of snaps) expect(['completed', 'aborted', undefined], label).toContain(s?.phase)
            if (snaps.every((s) => s?.phase === 'completed')) completed += 1
            else outcomes.push(`${label}: ${snaps.map((s) => `${s?.phase}/${s?.reason}`).join(' ')}`)
            // Conservation: totals unchanged, each asset moved at most its agreed amount, and what
            // each journal says it paid is what the chain moved.
            const total = (asset: 'mb' | 'btc'): bigint =>
              net.chain.balance(hex(ALICE), asset) + net.chain.balance(hex(BOB), asset)
            expect(total('mb'), label).toBe(2n * t.mbBytes)
            expect(total('btc'), label).toBe(2n * t.sats)
            const moved = (asset: 'mb' | 'btc'): bigint =>
              net.chain.effects.filter((e) => e.asset === asset).reduce((a, e) => a + e.amount, 0n)
            expect(moved('mb'), label).toBeLessThanOrEqual(t.mbBytes)
            expect(moved('btc'), label).toBeLessThanOrEqual(t.sats)
            for (const n of net.nodes.values()) {
              const out = net.chain.effects
                .filter((e) => e.from === hex(n.id))
                .reduce((a, e) => a + e.amount, 0n)
              expect(paidSum(n.journal.entries, 'pay-done'), label).toBe(out)
              const keys = net.chain.effects.filter((e) => e.from === hex(n.id)).map((e) => e.key)
              expect(new Set(keys).size, label).toBe(keys.length)
            }
          }
        }
      }
      expect(runs).toBeGreaterThan(40)
      // Every crash resumes to completion except a kill before the proposal is journaled: then
      // nothing was sent and the trade never existed on either side.
      expect(outcomes).toEqual(['alice at 1 before: undefined/undefined undefined/undefined'])
      expect(completed).toBe(runs - 1)
    })
  }

  it('a transfer that moved MB but failed to answer is retried by asking first: paid once, trade completes', async () => {
    const net = createNet()
    const t = terms()
    fundBoth(net, t)
    let calls = 0
    const alice = net.start(ALICE, {
      ledger: (inner) => ({
        ...inner,
        async transfer(to, bytes, key) {
          await inner.transfer(to, bytes, key)
          // The third transfer goes through, but its countersignature reply is lost.
          if (++calls === 3) throw new Error('countersignature timed out')
          return inner.transfer(to, bytes, key)
        },
      }),
    })
    net.start(BOB)
    await alice.engine.propose(t).catch(() => undefined)
    await runToEnd(net, 't1')
    expect(alice.engine.snapshot('t1')).toMatchObject({ phase: 'completed', paid: t.mbBytes })
    expect(net.chain.balance(hex(BOB), 'mb')).toBe(2n * t.mbBytes)
    // Only this wrapper's own second call reuses a key (it reads the ref back); the engine never does.
    expect(net.chain.reusedKeys.length).toBe(calls - 1)
  })

  it('sends a counterparty seen again what it missed at once, not half a round later; once a second at most', async () => {
    const net = createNet()
    const t = terms(false) // Bob, the responder, sells MB and pays first once he accepts
    fundBoth(net, t)
    const alice = net.start(ALICE)
    const bob = net.start(BOB)
    await alice.engine.propose(t)
    // Bob gets the proposal, accepts, names his address and pays his first MB; Alice is down and
    // loses all of it.
    const proposal = net.queue.shift()
    if (proposal === undefined) throw new Error('no proposal')
    await bob.engine.receive(proposal.bytes)
    const lost = net.queue.splice(0).map((m) => m.to)
    expect(lost.length).toBeGreaterThanOrEqual(3)
    expect(new Set(lost)).toEqual(new Set([hex(ALICE)]))
    expect(alice.engine.snapshot('t1')?.phase).toBe('negotiating')
    // Without a retransmission nothing moves.
    await net.pump()
    expect(alice.engine.snapshot('t1')?.phase).toBe('negotiating')
    // Bob sees Alice again (she reconnected): he sends what she may have missed, and the trade runs
    // to its end with no timeout check.
    await bob.engine.peerSeen(hex(ALICE))
    const resent = net.queue.length
    expect(resent).toBeGreaterThanOrEqual(3)
    await bob.engine.peerSeen(hex(ALICE))
    expect(net.queue.length).toBe(resent)
    // Another peer seen is none of this trade's business.
    await bob.engine.peerSeen(hex(MALLORY))
    expect(net.queue.length).toBe(resent)
    await net.pump()
    expect(alice.engine.snapshot('t1')).toMatchObject({
      phase: 'completed',
      paid: t.sats,
      received: t.mbBytes,
    })
    expect(bob.engine.snapshot('t1')).toMatchObject({ phase: 'completed', paid: t.mbBytes, received: t.sats })
    expect(net.chain.reusedKeys).toEqual([])
  })

  it('recovers from the file journal after a kill mid-trade and completes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trade-kill-'))
    try {
      const net = createNet()
      const t = terms()
      fundBoth(net, t)
      const file = join(dir, 'alice.jsonl')
      net.start(ALICE, { crash: { at: 6, mode: 'after' }, journal: createFileTradeJournal(file) })
      net.start(BOB)
      await net.nodes.get(hex(ALICE))?.engine.propose(t)
      await net.pump()
      expect(net.nodes.get(hex(ALICE))?.alive).toBe(false)
      const restarted = net.start(ALICE, { journal: createFileTradeJournal(file) })
      expect(await restarted.engine.recover()).toBe(1)
      await runToEnd(net, 't1')
      expect(restarted.engine.snapshot('t1')).toMatchObject({
        phase: 'completed',
        paid: t.mbBytes,
        received: t.sats,
      })
      expect(net.chain.reusedKeys).toEqual([])
      const lines = (await readFile(file, 'utf8')).trim().split('\n')
      expect(lines.at(-1)).toContain('"outcome":"completed"')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  describe('rejects bad messages with codes', () => {
    const sign = (m: TradeMessage, by: Identity = BOB): Uint8Array => encodeTradeMessage(m, by)
    const base = { tradeId: 't1', from: hex(BOB), to: hex(ALICE) }
    const typeOf = (bytes: Uint8Array): string =>
      (JSON.parse(new TextDecoder().decode(bytes)) as { m: { type: string } }).m.type

    /** Alice (MB seller) has paid her `round`-th MB and waits for Bob's sats, which are held back. */
    async function midTrade(round: number): Promise<{ net: Net; alice: Node; held: Uint8Array }> {
      const net = createNet()
      const t = terms()
      fundBoth(net, t)
      const alice = net.start(ALICE)
      net.start(BOB)
      await alice.engine.propose(t)
      let seen = 0
      for (let i = 0; i < 100; i++) {
        const m = net.queue[0]
        if (m === undefined) break
        if (m.to === hex(ALICE) && typeOf(m.bytes) === 'payment' && ++seen === round) {
          net.queue.shift()
          return { net, alice, held: m.bytes }
        }
        net.queue.shift()
        await net.nodes.get(m.to)?.engine.receive(m.bytes)
      }
      throw new Error('no payment to hold')
    }

    it('a forged message (signed by another key) is MARKET_TRADE_BAD_SIGNATURE', async () => {
      const { alice } = await midTrade(1)
      const good = new TextDecoder().decode(sign({ type: 'abort', ...base, reason: 'x' }))
      const forged = JSON.parse(good) as { m: unknown; s: string }
      forged.s = bytesToHex(MALLORY.sign(new TextEncoder().encode(JSON.stringify(forged.m))))
      await expect(
        alice.engine.receive(new TextEncoder().encode(JSON.stringify(forged))),
      ).rejects.toMatchObject({
        code: 'MARKET_TRADE_BAD_SIGNATURE',
      })
      expect(alice.engine.snapshot('t1')?.phase).toBe('settling')
    })

    it('a replayed payment is MARKET_TRADE_REPLAYED and changes nothing; a reused ref too', async () => {
      const { net, alice, held } = await midTrade(2)
      await alice.engine.receive(held)
      const first = net.chain.effects.find((e) => e.asset === 'btc')
      const before = alice.engine.snapshot('t1')
      await expect(
        alice.engine.receive(
          sign({ type: 'payment', ...base, n: 1, amount: first?.amount ?? 0n, ref: first?.ref ?? '' }),
        ),
      ).rejects.toMatchObject({ code: 'MARKET_TRADE_REPLAYED' })
      expect(alice.engine.snapshot('t1')).toEqual(before)
    })

    it('an out-of-order payment, a wrong amount, a fake txid, an unknown trade, a stranger', async () => {
      const { alice, held } = await midTrade(2)
      const expected = (JSON.parse(new TextDecoder().decode(held)) as { m: { amount: string } }).m.amount
      const before = alice.engine.snapshot('t1')
      await expect(
        alice.engine.receive(sign({ type: 'payment', ...base, n: 3, amount: 100n, ref: 'btc-99' })),
      ).rejects.toMatchObject({
        code: 'MARKET_TRADE_OUT_OF_ORDER',
      })
      await expect(
        alice.engine.receive(
          sign({ type: 'payment', ...base, n: 2, amount: BigInt(expected) + 100n, ref: 'btc-98' }),
        ),
      ).rejects.toMatchObject({ code: 'MARKET_TRADE_AMOUNT_INVALID' })
      await expect(
        alice.engine.receive(sign({ type: 'payment', ...base, n: 2, amount: 20_000n, ref: 'btc-97' })),
      ).rejects.toMatchObject({ code: 'MARKET_TRADE_AMOUNT_INVALID' })
      await expect(
        alice.engine.receive(
          sign({ type: 'payment', ...base, n: 2, amount: BigInt(expected), ref: 'btc-96' }),
        ),
      ).rejects.toMatchObject({ code: 'MARKET_TRADE_PAYMENT_UNVERIFIED' })
      await expect(
        alice.engine.receive(sign({ type: 'payment', ...base, tradeId: 'nope', n: 1, amount: 1n, ref: 'x' })),
      ).rejects.toMatchObject({ code: 'MARKET_TRADE_UNKNOWN' })
      await expect(
        alice.engine.receive(
          sign({ type: 'abort', tradeId: 't1', from: hex(MALLORY), to: hex(ALICE), reason: 'x' }, MALLORY),
        ),
      ).rejects.toMatchObject({ code: 'MARKET_TRADE_UNKNOWN' })
      await expect(alice.engine.receive(sign({ type: 'done', ...base }))).rejects.toMatchObject({
        code: 'MARKET_TRADE_OUT_OF_ORDER',
      })
      const snap = alice.engine.snapshot('t1')
      expect(snap).toMatchObject({ phase: 'settling', paid: before?.paid, received: before?.received })
      // The genuine payment still counts afterwards.
      await alice.engine.receive(held)
      expect(alice.engine.snapshot('t1')?.received).toBe(BigInt(expected) + (before?.received ?? 0n))
    })
  })
})
