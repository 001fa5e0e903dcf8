import { describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../test/harness.ts'
import { MAX_FRAME_BYTES } from './constants.ts'
import type { TunnelErrorCode } from './errors.ts'
import {
  createMemoryPayments,
  createTunnelPayments,
  MAX_SETTLE_ATTEMPTS,
  SETTLE_RETRY_MS,
  type MemoryPayments,
  type PaymentPort,
  type TunnelPayments,
  type TunnelPaymentsOptions,
} from './payments.ts'
import { downloaderPays, payoutShares, type PayoutRule } from './payout.ts'
import type { TunnelCircuit } from './types.ts'

const MiB = 1 << 20
const CAP = 8n * BigInt(MiB)

interface Paid {
  h: Harness
  money: MemoryPayments
  engines: Map<string, TunnelPayments>
}

function paidNetwork(
  relays: number,
  options: TunnelPaymentsOptions,
  client: TunnelPaymentsOptions = {},
): Paid {
  const h = createHarness(relays)
  const money = createMemoryPayments()
  const engines = new Map<string, TunnelPayments>()
  for (const node of [...h.relays, h.exit])
    engines.set(node.peerId, createTunnelPayments({ node, port: money.port(node.peerId) }, options))
  engines.set(
    h.client.peerId,
    createTunnelPayments({ node: h.client, port: money.port(h.client.peerId) }, { ...options, ...client }),
  )
  return { h, money, engines }
}

/** Streams `total` bytes to the echo exit with backpressure and collects the echo; resolves when all came back or the stream ended. */
async function download(
  h: Harness,
  circuit: TunnelCircuit,
  total: number,
): Promise<{ got: number; ended: TunnelErrorCode | undefined | 'open' }> {
  let got = 0
  let ended: TunnelErrorCode | undefined | 'open' = 'open'
  let sent = 0
  let drain: () => void = () => undefined
  const stream = await circuit.openStream('echo.test', 80, {
    onData: (d) => (got += d.length),
    onEnd: (c) => (ended = c),
    onDrain: () => drain(),
  })
  const chunk = Buffer.alloc(16 * 1024, 7)
  const pump = (): void => {
    while (sent < total && ended === 'open') {
      sent += chunk.length
      if (!stream.write(chunk)) return
    }
  }
  drain = pump
  pump()
  for (let i = 0; i < 5_000 && got < total && ended === 'open'; i++) {
    await h.settle()
    pump()
  }
  return { got, ended }
}

describe('tunnel payments: hop by hop, during the circuit', () => {
  for (const rule of ['2017', 'fair', '2021'] as PayoutRule[]) {
    it(`an honest initiator keeps streaming and every hop earns exactly its ${rule} share`, async () => {
      const { h, money, engines } = paidNetwork(2, { rule, unpaidCapBytes: CAP })
      const circuit = await h.client.buildCircuit(3)
      let reason: TunnelErrorCode | undefined
      circuit.onClose((r) => (reason = r))
      const total = 16 * MiB
      const r = await download(h, circuit, total)
      expect(r).toEqual({ got: total, ended: 'open' })
      await engines.get('c1')?.flush()
      for (const e of engines.values()) await e.flush()
      await h.settle()
      const base = circuit.info().bytesBackward
      expect(base).toBeGreaterThan(BigInt(total))
      const shares = payoutShares(base, 3, rule)
      expect(money.balance('c1')).toBe(-shares.downloaderPays)
      circuit.path.forEach((peer, i) => expect(money.balance(peer)).toBe(shares.hops[i]?.kept))
      expect(reason).toBeUndefined()
      for (const e of engines.values()) expect(e.stats().cutUnpaid).toBe(0)
      h.stop()
    }, 30_000)
  }

  for (const withClock of [true, false]) {
    it(`a closed circuit's payments ${withClock ? 'settle: refused forwards are retried on the clock until every hop holds exactly its share and nothing is unsettled' : 'stay unsettled without a clock (retried only with a next payment) and the stats say so'}`, async () => {
      const h = createHarness(2)
      const money = createMemoryPayments()
      // The exit refuses every payment until the circuit closed (a hop whose counter lags, a busy ledger).
      let exitRefuses = true
      const portOf = (peer: string): PaymentPort => {
        const inner = money.port(peer)
        return {
          onPayment: (handler) => inner.onPayment(handler),
          pay: (to, p) =>
            to === h.exit.peerId && exitRefuses ? Promise.resolve('refused') : inner.pay(to, p),
        }
      }
      const engines = [h.client, ...h.relays, h.exit].map((node) =>
        createTunnelPayments(
          { node, port: portOf(node.peerId), ...(withClock ? { clock: h.clock } : {}) },
          { rule: 'fair', unpaidCapBytes: CAP },
        ),
      )
      const circuit = await h.client.buildCircuit(3)
      expect((await download(h, circuit, 3 * MiB + 80 * 1024)).got).toBe(3 * MiB + 80 * 1024)
      circuit.close()
      await h.settle()
      exitRefuses = false
      const base = circuit.info().bytesBackward
      const shares = payoutShares(base, 3, 'fair')
      // The initiator paid its last partial MiB at close; the middle relay still holds the exit's part.
      expect(money.balance('c1')).toBe(-shares.downloaderPays)
      expect(engines.reduce((n, e) => n + e.stats().unsettledForward, 0n)).toBe(shares.hops[2]?.kept)
      for (let i = 0; i < MAX_SETTLE_ATTEMPTS + 2; i++) {
        await h.clock.advance(SETTLE_RETRY_MS)
        await h.settle()
      }
      if (!withClock) {
        expect(money.balance(h.exit.peerId)).toBe(0n)
        expect(engines.reduce((n, e) => n + e.stats().unsettledForward, 0n)).toBe(shares.hops[2]?.kept)
        return h.stop()
      }
      circuit.path.forEach((peer, i) => expect(money.balance(peer)).toBe(shares.hops[i]?.kept))
      for (const e of engines)
        expect(e.stats()).toMatchObject({
          unsettledOwnBytes: 0n,
          unsettledForward: 0n,
          inFlight: 0,
          abandoned: 0,
          cutUnpaid: 0,
        })
      h.stop()
    }, 30_000)
  }

  it('the 2021 rule pays the middle relay nothing (its gap), the fair rule pays it', async () => {
    for (const [rule, middle] of [
      ['2021', 0n],
      ['fair', 1n],
    ] as const) {
      const { h, money, engines } = paidNetwork(2, { rule, unpaidCapBytes: CAP })
      const circuit = await h.client.buildCircuit(3)
      await download(h, circuit, 4 * MiB)
      for (const e of engines.values()) await e.flush()
      await h.settle()
      expect(money.balance(circuit.path[1] as string)).toBe(middle * circuit.info().bytesBackward)
      h.stop()
    }
  }, 30_000)

  for (const [name, price] of [
    ['never pays', () => 0n],
    ['pays half', (b: bigint, hops: number, rule: PayoutRule) => downloaderPays(b, hops, rule) / 2n],
  ] as const) {
    it(`a free rider that ${name} is cut with TUNNEL_UNPAID after at most one cap per hop`, async () => {
      const { h, engines } = paidNetwork(2, { unpaidCapBytes: CAP }, { price })
      const circuit = await h.client.buildCircuit(3)
      let reason: TunnelErrorCode | undefined
      circuit.onClose((r) => (reason = r))
      const carried = new Map<string, bigint>()
      for (const node of [...h.relays, h.exit])
        node.onCircuitClosed(({ info }) => carried.set(node.peerId, info.bytesBackward))
      const r = await download(h, circuit, 64 * MiB)
      await h.settle()
      expect(reason).toBe('TUNNEL_UNPAID')
      expect(r.ended).toBe('TUNNEL_UNPAID')
      expect(r.got).toBeLessThan(64 * MiB)
      const cuts = [...engines.values()].flatMap((e) => e.cuts())
      expect(cuts.length).toBeGreaterThanOrEqual(1)
      for (const cut of cuts) expect(cut.unpaid).toBeLessThanOrEqual(CAP + BigInt(MAX_FRAME_BYTES))
      if (name === 'never pays')
        for (const bytes of carried.values()) expect(bytes).toBeLessThanOrEqual(CAP + BigInt(MAX_FRAME_BYTES))
      h.stop()
    }, 30_000)
  }

  it('a free rider that rebuilds through the same hop is cut at its first cell: one cap per hop in all', async () => {
    const { h, engines } = paidNetwork(0, { unpaidCapBytes: CAP }, { price: () => 0n })
    const got: number[] = []
    for (let i = 0; i < 4; i++) {
      const circuit = await h.client.buildCircuit(1)
      got.push((await download(h, circuit, 32 * MiB)).got)
    }
    // The first circuit carries up to the cap and no further (it is cut one cell ahead of it)…
    expect(got[0]).toBeGreaterThan(4 * MiB)
    expect(got[0]).toBeLessThanOrEqual(Number(CAP))
    // …and each rebuilt one is cut at its first cell.
    for (const later of got.slice(1)) expect(later).toBeLessThanOrEqual(MAX_FRAME_BYTES)
    const owed = engines.get('x1')?.unpaid().get('c1') ?? 0n
    expect(owed).toBeGreaterThan(CAP - 2n * BigInt(MAX_FRAME_BYTES))
    expect(owed).toBeLessThanOrEqual(CAP + 3n * BigInt(MAX_FRAME_BYTES))
    h.stop()
  }, 30_000)

  it('a payer paying in full but behind (payments slower than the bytes) is tolerated up to lagCap, then cut', async () => {
    const h = createHarness(0)
    const money = createMemoryPayments()
    const exit = createTunnelPayments(
      { node: h.exit, port: money.port(h.exit.peerId) },
      { unpaidCapBytes: CAP },
    )
    // The client's payments after its first are held back: it pays in full, but late.
    const port = money.port(h.client.peerId)
    let sent = 0
    const held: (() => void)[] = []
    const client = createTunnelPayments(
      {
        node: h.client,
        port: {
          onPayment: (handler) => port.onPayment(handler),
          pay: (to, payment) =>
            ++sent === 1
              ? port.pay(to, payment)
              : new Promise((r) => held.push(() => void port.pay(to, payment).then(r))),
        },
      },
      { unpaidCapBytes: CAP },
    )
    const circuit = await h.client.buildCircuit(1)
    // Two caps behind: more than unpaidCapBytes, within lagCapBytes (4 caps): not cut.
    expect(await download(h, circuit, 3 * Number(CAP))).toEqual({ got: 3 * Number(CAP), ended: 'open' })
    expect(exit.stats().cutUnpaid).toBe(0)
    expect(held.length).toBe(1)
    // The held payment arrives: the lag is gone and the circuit goes on; then payments stop for good.
    held.shift()?.()
    await h.settle()
    const r = await download(h, circuit, 8 * Number(CAP))
    expect(r.ended).toBe('TUNNEL_UNPAID')
    expect(r.got).toBeLessThan(8 * Number(CAP))
    expect(exit.stats().cutUnpaid).toBe(1)
    client.stop()
    exit.stop()
    h.stop()
  }, 30_000)

  it('an honest payer closing circuits leaves no debt: its last partial chunk is paid at close', async () => {
    const { h, money, engines } = paidNetwork(0, { unpaidCapBytes: CAP })
    let paidBase = 0n
    for (let i = 0; i < 3; i++) {
      const circuit = await h.client.buildCircuit(1)
      await download(h, circuit, 3 * MiB + 12_345)
      circuit.close()
      await h.settle()
      paidBase += circuit.info().bytesBackward
    }
    for (const e of engines.values()) await e.flush()
    await h.settle()
    expect(money.balance('x1')).toBe(payoutShares(paidBase, 1, 'fair').downloaderPays)
    expect(engines.get('x1')?.unpaid().get('c1')).toBe(0n)
    h.stop()
  }, 30_000)

  it('refuses payments its counters do not support, for circuits it does not serve, or that go backwards', async () => {
    const { h, money } = paidNetwork(0, { unpaidCapBytes: 1n << 41n }, { payEveryBytes: 1n << 40n })
    const circuit = await h.client.buildCircuit(1)
    await download(h, circuit, 2 * MiB)
    const info = circuit.info()
    const port = money.port('c1')
    const circuitId = info.nextCircuitId as number
    const carried = h.exit.circuits()[0]?.bytesBackward ?? 0n
    const too = 3n * carried + BigInt(MAX_FRAME_BYTES) + 1n
    expect(await port.pay('x1', { circuitId, base: too, amount: too })).toBe('refused')
    expect(await port.pay('x1', { circuitId: circuitId ^ 1, base: carried, amount: carried })).toBe('refused')
    expect(await port.pay('x1', { circuitId, base: carried, amount: 100n * carried })).toBe('refused')
    expect(await port.pay('x1', { circuitId, base: carried, amount: 2n * carried })).toBe('accepted')
    expect(await port.pay('x1', { circuitId, base: carried, amount: 2n * carried })).toBe('refused')
    expect(money.balance('x1')).toBe(2n * carried)
    h.stop()
  })
})
