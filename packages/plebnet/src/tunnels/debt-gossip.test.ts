import { createSignatureVerifier, createVirtualClock, createSeededRng, errorCode } from '@dolly/base'
import { createMemoryFleet, peerIdOfKey } from '@dolly/overlay'
import {
  createMemoryNetwork,
  createMemoryPayments,
  createTunnelNode,
  createTunnelPayments,
  createWorldExitPolicy,
  type ExitConnector,
  type TunnelErrorCode,
  type TunnelNode,
} from '@dolly/tunnels'
import { describe, expect, it } from 'vitest'
import { createTunnelAdmission } from './admission.ts'
import { advertisesRelay, createDebtGossip, recordCuts } from './debt-gossip.ts'

const MiB = 1 << 20
const RIDER = '12D3KooWRider'
const HONEST = '12D3KooWHonest'

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

const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (err: unknown) => errorCode(err) ?? String(err),
  )

describe('debt records over the overlay (family-wide free-rider bound)', () => {
  it('a cut is signed, gossiped and refused at another agent; an honest initiator is admitted; a stranger cannot forge', async () => {
    const clock = createVirtualClock(1_000_000)
    const fleet = createMemoryFleet({ clock, seed: 'debt-gossip', network: { knownAfterMs: 60_000 } })
    for (let i = 0; i < 5; i++) await fleet.add(2)
    for (let i = 0; i < 4; i++) await fleet.round()
    // Every agent has held the others' contacts for knownAfterMs: they are known to each other.
    await clock.advance(60_000)
    for (let i = 0; i < 2; i++) await fleet.round()

    const net = createMemoryNetwork()
    const money = createMemoryPayments()
    const verifier = createSignatureVerifier()
    const cap = 4n * BigInt(MiB)
    const exits = [0, 1].map((i) => {
      const agent = fleet.agents[i]
      if (agent === undefined) throw new Error('fleet too small')
      const name = `12D3KooWExit${i}`
      const rng = createSeededRng(name)
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
      const debts = createDebtGossip({ clock, signer: agent.identity, verifier, network: agent.network })
      const admission = createTunnelAdmission({ clock, node, balanceOf: () => 0n, debtOf: debts.owed })
      hook.admit = (peer) => admission.admit(peer)
      const payments = createTunnelPayments({ node, port: money.port(name) }, { unpaidCapBytes: cap })
      recordCuts({ node, payments, isRelay: () => false, debts })
      return { agent, node, debts, admission, payments }
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

    // Before any cut both exits admit the rider's circuits.
    let riderExit = x2.node
    const rider = client(RIDER, () => riderExit)
    expect(await outcome(rider.buildCircuit(1).then((c) => c.close()))).toBe('ok')
    riderExit = x1.node
    // Model 0 charged x2's strangers' budget for that circuit; a minute of wall time refills it.
    await clock.advance(60_000)

    // The rider (no payment engine: it never pays) downloads through x1 until x1 cuts it.
    const circuit = await rider.buildCircuit(1)
    let reason: TunnelErrorCode | undefined
    circuit.onClose((r) => (reason = r))
    const stream = await circuit.openStream('echo.test', 80, {
      onData: () => undefined,
      onEnd: () => undefined,
      onDrain: () => undefined,
    })
    const chunk = new Uint8Array(16 * 1024)
    for (let i = 0; i < 2_000 && reason === undefined; i++) {
      stream.write(chunk)
      await settle()
    }
    expect(reason).toBe('TUNNEL_UNPAID')
    // x1 signed the cut and refuses the rider itself at once.
    expect(x1.debts.stats().recorded).toBe(1)
    // Cut one cell ahead of the cap: it owes the cap less at most two of its cells (64 KiB frames).
    expect(x1.debts.owed(RIDER)).toBeGreaterThan(cap - 2n * 65_792n)
    expect(x1.debts.owed(RIDER)).toBeLessThanOrEqual(cap)
    const entry = x1.agent.network.entry('debt', x1.agent.network.id)
    expect(entry?.value).toMatchObject({ debts: [{ debtor: RIDER }] })

    // The entry reaches x2 by gossip; x2 refuses the rider at its first CREATE.
    const reached = (): boolean => x2.agent.network.debts().length > 0
    for (let i = 0; i < 20 && !reached(); i++) await fleet.round()
    expect(reached()).toBe(true)
    await clock.advance(1_000)
    riderExit = x2.node
    expect(await outcome(rider.buildCircuit(1))).toBe('TUNNEL_NOT_ADMITTED')
    expect(x2.admission.stats().debtors).toBe(1)
    expect(x2.debts.stats()).toMatchObject({ received: 1, refused: 0, debtors: 1 })
    expect(x2.debts.owed(RIDER)).toBe(x1.debts.owed(RIDER))

    // An honest initiator is admitted by both.
    const honest = client(HONEST, () => x2.node)
    expect(await outcome(honest.buildCircuit(1))).toBe('ok')

    // A stranger (a fresh key, contact younger than knownAfterMs) signs a valid debt naming the honest
    // user: it spreads, but counts nowhere, so the honest user stays admitted.
    const sybil = await fleet.add(2)
    const forged = createDebtGossip({ clock, signer: sybil.identity, verifier, network: sybil.network })
    forged.record(HONEST, 64n * BigInt(MiB))
    const held = (): boolean => x2.agent.network.entry('debt', sybil.network.id) !== undefined
    for (let i = 0; i < 20 && !held(); i++) await fleet.round()
    expect(held()).toBe(true)
    await clock.advance(1_000)
    expect(x2.debts.owed(HONEST)).toBe(0n)
    expect(await outcome(honest.buildCircuit(1))).toBe('ok')
    expect(x2.debts.stats().debtors).toBe(1)
  }, 60_000)

  it('names only initiators: a cut of a listed relay signs nothing', async () => {
    const clock = createVirtualClock(1_000_000)
    const fleet = createMemoryFleet({ clock, seed: 'debt-relay' })
    const agent = await fleet.add(0)
    const net = createMemoryNetwork()
    const money = createMemoryPayments()
    const name = '12D3KooWExit'
    const rng = createSeededRng(name)
    const node = createTunnelNode(
      { transport: net.transport(name), clock, rng, connector: echoConnector() },
      { identitySecret: rng.bytes(32), exit: true, exitPolicy: createWorldExitPolicy(['10.9.0.0/16']) },
    )
    node.start()
    const debts = createDebtGossip({
      clock,
      signer: agent.identity,
      verifier: createSignatureVerifier(),
      network: agent.network,
    })
    const payments = createTunnelPayments(
      { node, port: money.port(name) },
      { unpaidCapBytes: 2n * BigInt(MiB), isRelay: (p) => p === RIDER },
    )
    recordCuts({ node, payments, isRelay: (p) => p === RIDER, debts })
    const riderRng = createSeededRng(RIDER)
    const rider = createTunnelNode(
      { transport: net.transport(RIDER), clock, rng: riderRng },
      { identitySecret: riderRng.bytes(32), directory: () => [node.descriptor()] },
    )
    rider.start()
    const circuit = await rider.buildCircuit(1)
    let reason: TunnelErrorCode | undefined
    circuit.onClose((r) => (reason = r))
    const stream = await circuit.openStream('echo.test', 80, {
      onData: () => undefined,
      onEnd: () => undefined,
      onDrain: () => undefined,
    })
    const chunk = new Uint8Array(16 * 1024)
    for (let i = 0; i < 2_000 && reason === undefined; i++) {
      stream.write(chunk)
      for (let k = 0; k < 50 && (k < 2 || net.pending() > 0); k++) await new Promise((r) => setImmediate(r))
    }
    expect(reason).toBe('TUNNEL_UNPAID')
    expect(payments.stats().cutUnpaid).toBe(1)
    expect(debts.stats().recorded).toBe(0)
    expect(agent.network.entry('debt', agent.network.id)).toBeUndefined()
  }, 60_000)

  it('a neighbour that ever advertised the relay role counts as a relay, even once its advertisement expired', async () => {
    const clock = createVirtualClock(1_000_000)
    const fleet = createMemoryFleet({ clock, seed: 'debt-advertised' })
    for (let i = 0; i < 4; i++) await fleet.add(2)
    for (let i = 0; i < 4; i++) await fleet.round()
    const [relay, exitOnly, user, reader] = fleet.agents
    if (relay === undefined || exitOnly === undefined || user === undefined || reader === undefined)
      throw new Error('fleet too small')
    const peerOf = (a: typeof relay): string => peerIdOfKey(a.identity.publicKey).toString()
    relay.network.publishHop({ tunnelKey: 'ab'.repeat(32), relay: true, exit: false, expiresMs: 1_060_000 })
    exitOnly.network.publishHop({
      tunnelKey: 'cd'.repeat(32),
      relay: false,
      exit: true,
      expiresMs: 1_060_000,
    })
    const held = (): boolean =>
      reader.network.entry('hop', relay.network.id) !== undefined &&
      reader.network.entry('hop', exitOnly.network.id) !== undefined
    for (let i = 0; i < 20 && !held(); i++) await fleet.round()
    expect(held()).toBe(true)
    await clock.advance(120_000)
    expect(reader.network.hops().some((h) => h.id === relay.network.id)).toBe(false)
    expect(advertisesRelay(reader.network, peerOf(relay))).toBe(true)
    expect(advertisesRelay(reader.network, peerOf(exitOnly))).toBe(false)
    expect(advertisesRelay(reader.network, peerOf(user))).toBe(false)
    expect(advertisesRelay(reader.network, '12D3KooWNotAPeerId')).toBe(false)
  })
})
