import { describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../test/harness.ts'
import { createCircuitPool, type CircuitPool } from './circuit-pool.ts'
import { decodeFrame, encodeFrame } from './cells.ts'
import type { TunnelErrorCode } from './errors.ts'
import type { TunnelCircuit, TunnelStream } from './types.ts'

const PROBE = 7
const PROBE_ACK = 8

/** Opens an echo stream through the pool and collects what comes back. */
async function echo(
  pool: CircuitPool,
  hops = 3,
): Promise<{
  stream: TunnelStream
  received: () => string
  ended: () => TunnelErrorCode | undefined | 'open'
}> {
  const got: Uint8Array[] = []
  let ended: TunnelErrorCode | undefined | 'open' = 'open'
  const stream = await pool.openStream(hops, 'echo.test', 80, {
    onData: (d) => got.push(Uint8Array.from(d)),
    onEnd: (c) => (ended = c),
    onDrain: () => undefined,
  })
  return { stream, received: () => Buffer.concat(got).toString(), ended: () => ended }
}

/** The circuit the pool stuck `echo.test:80` to. */
const stuck = (pool: CircuitPool, hops = 3): Promise<TunnelCircuit> => pool.circuitFor(hops, 'echo.test:80')

/** Steps the virtual clock a second at a time, letting the network run between steps, until `done` or `maxMs`. */
async function stepUntil(h: Harness, done: () => boolean, maxMs: number): Promise<number> {
  let elapsed = 0
  while (!done() && elapsed < maxMs) {
    await h.clock.advance(1_000)
    elapsed += 1_000
    await h.settle()
  }
  return elapsed
}

/** Joined circuits still held by every hop other than `except`. */
const joinedElsewhere = (h: Harness, except: string): number =>
  [...h.relays, h.exit]
    .filter((n) => n.peerId !== except)
    .reduce((sum, n) => sum + n.stats().joinedCircuits, 0)

describe('link loss', () => {
  it('link frames PROBE and PROBE_ACK round-trip and carry no body', () => {
    for (const kind of ['probe', 'probe-ack'] as const) {
      const bytes = encodeFrame({ kind, circuitId: 0xdead_beef })
      expect(bytes).toHaveLength(5)
      expect(bytes[4]).toBe(kind === 'probe' ? PROBE : PROBE_ACK)
      expect(decodeFrame(bytes)).toEqual({ kind, circuitId: 0xdead_beef })
      expect(() => decodeFrame(Buffer.concat([bytes, Buffer.of(0)]))).toThrow(
        expect.objectContaining({ code: 'TUNNEL_CELL_MALFORMED' }),
      )
    }
    // The two new DESTROY reasons have wire bytes of their own.
    for (const reason of ['TUNNEL_LINK_LOST', 'TUNNEL_LINK_TIMEOUT'] as const) {
      const frame = { kind: 'destroy-bwd' as const, circuitId: 3, reason }
      expect(decodeFrame(encodeFrame(frame))).toEqual(frame)
    }
  })

  it('a middle relay whose connection closes: every hop frees the circuit at once, the stream ends with TUNNEL_LINK_LOST, the next CONNECT gets a new circuit', async () => {
    const h = createHarness(3)
    const pool = createCircuitPool({ node: h.client, clock: h.clock }, { warm: { 3: 1 } })
    pool.start()
    await h.settle()
    const circuit = await stuck(pool)
    let reason: TunnelErrorCode | undefined
    circuit.onClose((r) => (reason = r))
    const first = await echo(pool)
    first.stream.write(Buffer.from('before'))
    await h.settle()
    expect(first.received()).toBe('before')
    const [entry, middle] = circuit.path as [string, string, string]
    expect(joinedElsewhere(h, middle)).toBe(2)

    h.net.crash(middle)
    await h.settle()
    // No clock moved: the loss is an event, not a timeout.
    expect(reason).toBe('TUNNEL_LINK_LOST')
    expect(first.ended()).toBe('TUNNEL_LINK_LOST')
    expect(joinedElsewhere(h, middle)).toBe(0)
    const entryNode = h.relays.find((r) => r.peerId === entry)
    expect(entryNode?.stats().rejected.TUNNEL_LINK_LOST).toBe(1)
    expect(h.exit.stats().rejected.TUNNEL_LINK_LOST).toBe(1)

    // The next CONNECT succeeds on a circuit that avoids the lost relay.
    const second = await echo(pool)
    const replacement = await stuck(pool)
    expect(replacement).not.toBe(circuit)
    expect(replacement.path).not.toContain(middle)
    second.stream.write(Buffer.from('after'))
    await h.settle()
    expect(second.received()).toBe('after')
    pool.stop()
    h.stop()
  })

  it('an initiator whose first hop closes fails the circuit locally and builds around that hop', async () => {
    const h = createHarness(3)
    const pool = createCircuitPool({ node: h.client, clock: h.clock }, { warm: { 3: 1 } })
    pool.start()
    await h.settle()
    const circuit = await stuck(pool)
    const first = await echo(pool)
    const [entry] = circuit.path as [string, string, string]
    h.net.crash(entry)
    await h.settle()
    expect(circuit.isOpen()).toBe(false)
    expect(first.ended()).toBe('TUNNEL_LINK_LOST')
    expect(joinedElsewhere(h, entry)).toBe(0)
    const second = await echo(pool)
    expect((await stuck(pool)).path).not.toContain(entry)
    second.stream.write(Buffer.from('again'))
    await h.settle()
    expect(second.received()).toBe('again')
    pool.stop()
    h.stop()
  })

  it('a middle relay that vanishes silently: probes find it within idle + timeout, with TUNNEL_LINK_TIMEOUT, and the next CONNECT succeeds', async () => {
    const h = createHarness(3, { linkProbeIdleMs: 10_000, linkProbeTimeoutMs: 20_000 })
    const pool = createCircuitPool({ node: h.client, clock: h.clock }, { warm: { 3: 1 } })
    pool.start()
    await h.settle()
    const circuit = await stuck(pool)
    let reason: TunnelErrorCode | undefined
    circuit.onClose((r) => (reason = r))
    const first = await echo(pool)
    const middle = circuit.path[1] as string
    // Namespace deleted: nothing to or from it arrives any more, and nobody is told.
    h.net.intercept((from, to, frame) => (from === middle || to === middle ? [] : [frame]))
    first.stream.write(Buffer.from('lost in the void'))
    const elapsed = await stepUntil(h, () => reason !== undefined, 60_000)
    expect(reason).toBe('TUNNEL_LINK_TIMEOUT')
    expect(elapsed).toBeLessThanOrEqual(10_000 + 20_000 + 2_000)
    expect(first.ended()).toBe('TUNNEL_LINK_TIMEOUT')
    expect(first.received()).toBe('')
    expect(joinedElsewhere(h, middle)).toBe(0)

    const second = await echo(pool)
    expect((await stuck(pool)).path).not.toContain(middle)
    second.stream.write(Buffer.from('found a way'))
    await h.settle()
    expect(second.received()).toBe('found a way')
    pool.stop()
    h.stop()
  })

  it('probes keep healthy idle links: a warm circuit lives through minutes of silence, every probe answered', async () => {
    const h = createHarness(2, { linkProbeIdleMs: 10_000, linkProbeTimeoutMs: 20_000 })
    let probes = 0
    let acks = 0
    h.net.intercept((_from, _to, frame) => {
      if (frame[4] === PROBE) probes++
      if (frame[4] === PROBE_ACK) acks++
      return [frame]
    })
    const pool = createCircuitPool({ node: h.client, clock: h.clock }, { warm: { 3: 1 } })
    pool.start()
    await h.settle()
    const circuit = await stuck(pool)
    await stepUntil(h, () => !circuit.isOpen(), 180_000)
    expect(circuit.isOpen()).toBe(true)
    expect(probes).toBeGreaterThan(0)
    expect(acks).toBe(probes)
    for (const n of [h.client, ...h.relays, h.exit])
      expect(n.stats().rejected.TUNNEL_LINK_TIMEOUT).toBeUndefined()
    pool.stop()
    h.stop()
  })

  it('without linkProbeIdleMs a node sends no probes', async () => {
    const h = createHarness(1)
    let probes = 0
    h.net.intercept((_from, _to, frame) => {
      if (frame[4] === PROBE) probes++
      return [frame]
    })
    const circuit = await h.client.buildCircuit(2)
    circuit.setKeepAlive(true)
    await stepUntil(h, () => false, 40_000)
    expect(circuit.isOpen()).toBe(true)
    expect(probes).toBe(0)
    h.stop()
  })
})
