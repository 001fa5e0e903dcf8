import {
  createSeededRng,
  createSignatureVerifier,
  createVirtualClock,
  errorCode,
  generateIdentity,
  type VirtualClock,
} from '@dolly/base'
import {
  createMemoryNetwork,
  createMemoryPayments,
  createTunnelNode,
  createTunnelPayments,
  createWorldExitPolicy,
  type ExitConnector,
  type MemoryNetwork,
  type TunnelErrorCode,
  type TunnelNode,
} from '@dolly/tunnels'
import { describe, expect, it } from 'vitest'
import { createTunnelAdmission } from './admission.ts'
import { createDebtBook, signDebt, type SignedDebt } from './debts.ts'

const MiB = 1 << 20
const RIDER = '12D3KooWRider'

describe('unpaid debt records', () => {
  const setup = (): { clock: VirtualClock; sign: (unpaid: bigint, atMs?: number) => SignedDebt } => {
    const clock = createVirtualClock(10_000_000)
    const creditor = generateIdentity(createSeededRng('creditor'))
    return {
      clock,
      sign: (unpaid, atMs = clock.nowMs()) =>
        signDebt(creditor, { debtor: RIDER, unpaidBytes: unpaid, atMs }),
    }
  }

  it('records a signed debt, refuses a tampered, foreign, expired, future or stale one', () => {
    const { clock, sign } = setup()
    const book = createDebtBook({ clock, verifier: createSignatureVerifier() }, { ttlMs: 60_000 })
    const debt = sign(32n * BigInt(MiB))
    expect(book.add({ ...debt, unpaidBytes: debt.unpaidBytes + 1n })).toBe('bad-signature')
    expect(book.add({ ...debt, debtor: 'someoneElse' })).toBe('bad-signature')
    const other = generateIdentity(createSeededRng('other'))
    expect(book.add({ ...debt, creditorKey: other.publicKey })).toBe('bad-signature')
    expect(book.add({ ...debt, debtor: 'not a peer id' })).toBe('malformed')
    expect(book.add({ ...debt, unpaidBytes: 0n })).toBe('malformed')
    expect(book.add(sign(1n, clock.nowMs() + 61_000))).toBe('future')
    expect(book.add(sign(1n, clock.nowMs() - 60_000))).toBe('expired')
    expect(book.owed(RIDER)).toBe(0n)
    expect(book.add(debt)).toBe('accepted')
    expect(book.owed(RIDER)).toBe(32n * BigInt(MiB))
    expect(book.add(debt)).toBe('stale')
    expect(book.owed('12D3KooWOther')).toBe(0n)
  })

  it('sums one newest record per creditor, forgets it after the ttl, and bounds the debtors', async () => {
    const clock = createVirtualClock(10_000_000)
    const book = createDebtBook(
      { clock, verifier: createSignatureVerifier() },
      { ttlMs: 60_000, maxDebtors: 2 },
    )
    const a = generateIdentity(createSeededRng('a'))
    const b = generateIdentity(createSeededRng('b'))
    expect(book.add(signDebt(a, { debtor: RIDER, unpaidBytes: 10n, atMs: clock.nowMs() }))).toBe('accepted')
    await clock.advance(1_000)
    expect(book.add(signDebt(a, { debtor: RIDER, unpaidBytes: 20n, atMs: clock.nowMs() }))).toBe('accepted')
    expect(book.add(signDebt(b, { debtor: RIDER, unpaidBytes: 5n, atMs: clock.nowMs() }))).toBe('accepted')
    expect(book.owed(RIDER)).toBe(25n)
    for (const d of ['12D3KooWx', '12D3KooWy'])
      expect(book.add(signDebt(a, { debtor: d, unpaidBytes: 1n, atMs: clock.nowMs() }))).toBe('accepted')
    // Three debtors in a book of two: the one recorded longest ago went first.
    expect(book.size()).toBe(2)
    expect(book.owed(RIDER)).toBe(0n)
    expect(book.owed('12D3KooWy')).toBe(1n)
    await clock.advance(60_000)
    expect(book.owed('12D3KooWy')).toBe(0n)
    expect(book.size()).toBe(1)
  })
})

/** Every TCP destination echoes (the exit side of a download). */
function echoConnector(): ExitConnector {
  return {
    resolve: (host) => Promise.resolve(host === 'echo.test' ? ['10.9.0.1'] : []),
    connect(_ip, _port, handlers) {
      let ended = false
      return Promise.resolve({
        ok: true as const,
        stream: {
          write(data: Uint8Array) {
            if (!ended) queueMicrotask(() => handlers.onData(Uint8Array.from(data)))
            return true
          },
          end() {
            ended = true
            queueMicrotask(() => handlers.onClose(false))
          },
          destroy() {
            ended = true
          },
          pause: () => undefined,
          resume: () => undefined,
        },
      })
    },
    openUdp: () => Promise.resolve({ send: () => undefined, close: () => undefined }),
  }
}

describe('family-wide free-rider bound (in process)', () => {
  it('a free rider cut by one exit is refused at its first CREATE by another that received the signed debt; an honest peer is not', async () => {
    const net: MemoryNetwork = createMemoryNetwork()
    const clock = createVirtualClock(1_000_000)
    const verifier = createSignatureVerifier()
    const money = createMemoryPayments()
    const cap = 4n * BigInt(MiB)
    const exits = ['x1', 'x2'].map((name) => {
      const rng = createSeededRng(name)
      const identity = generateIdentity(rng)
      const book = createDebtBook({ clock, verifier })
      const hook: { admit?: (peer: string) => boolean } = {}
      const node = createTunnelNode(
        { transport: net.transport(name), clock, rng, connector: echoConnector() },
        {
          identitySecret: rng.bytes(32),
          exit: true,
          exitPolicy: createWorldExitPolicy(['10.9.0.0/16']),
          admit: (peer) => hook.admit?.(peer) ?? false,
        },
      )
      node.start()
      const admission = createTunnelAdmission({
        clock,
        node,
        balanceOf: () => 0n,
        debtOf: (peer) => book.owed(peer),
      })
      hook.admit = (peer) => admission.admit(peer)
      const payments = createTunnelPayments({ node, port: money.port(name) }, { unpaidCapBytes: cap })
      return { name, identity, book, node, admission, payments }
    })
    const [x1, x2] = exits as [(typeof exits)[number], (typeof exits)[number]]
    const client = (name: string, via: () => TunnelNode): TunnelNode => {
      const rng = createSeededRng(name)
      const node = createTunnelNode(
        { transport: net.transport(name), clock, rng },
        { identitySecret: rng.bytes(32), directory: () => [via().descriptor()] },
      )
      node.start()
      return node
    }
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 50 && (i < 2 || net.pending() > 0); i++) await new Promise((r) => setImmediate(r))
    }

    // The rider (no payment engine: it never pays) downloads through x1 until x1 cuts it.
    let riderExit = x1.node
    const rider = client(RIDER, () => riderExit)
    const circuit = await rider.buildCircuit(1)
    let reason: TunnelErrorCode | undefined
    circuit.onClose((r) => (reason = r))
    let got = 0
    const stream = await circuit.openStream('echo.test', 80, {
      onData: (d) => (got += d.length),
      onEnd: () => undefined,
      onDrain: () => undefined,
    })
    const chunk = new Uint8Array(16 * 1024)
    for (let i = 0; i < 2_000 && reason === undefined; i++) {
      stream.write(chunk)
      await settle()
    }
    expect(reason).toBe('TUNNEL_UNPAID')
    expect(BigInt(got)).toBeLessThanOrEqual(cap)
    const cut = x1.payments.cuts()
    expect(cut.map((c) => c.peer)).toEqual([RIDER])

    // x1 signs what it was owed; the record reaches x2 (what the overlay's gossip would carry).
    const debt = signDebt(x1.identity, {
      debtor: RIDER,
      unpaidBytes: cut[0]?.unpaid ?? 0n,
      atMs: clock.nowMs(),
    })
    expect(x2.book.add(debt)).toBe('accepted')

    // At x2 the rider is refused at its first CREATE; an honest newcomer is admitted.
    riderExit = x2.node
    const refused = await rider.buildCircuit(1).then(
      () => 'ok',
      (err: unknown) => errorCode(err),
    )
    expect(refused).toBe('TUNNEL_NOT_ADMITTED')
    expect(x2.admission.stats().debtors).toBe(1)
    const honest = client('12D3KooWHonest', () => x2.node)
    expect(
      await honest.buildCircuit(1).then(
        () => 'ok',
        (err: unknown) => errorCode(err),
      ),
    ).toBe('ok')
  }, 60_000)
})
