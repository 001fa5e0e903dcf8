import { createSeededRng, createVirtualClock } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { createEchoConnector } from '../test/harness.ts'
import { createMemoryNetwork } from './adapters/memory-transport.ts'
import { createWorldExitPolicy } from './exit-policy.ts'
import { createTunnelNode, type TunnelNode } from './node.ts'
import type { HopDescriptor, Transport } from './ports.ts'
import type { TunnelErrorCode } from './errors.ts'

const RELAY_BWD = 4

/**
 * A transport that delivers every frame through `onFrameParts`, cut into pieces at seeded offsets,
 * as the libp2p adapter delivers frames that span Noise messages.
 */
function splitting(inner: Transport, seed: string, counter: { parts: number }): Transport {
  const rng = createSeededRng(seed)
  return {
    peerId: inner.peerId,
    send: (to, frame) => inner.send(to, frame),
    onFrame: () => {
      throw new Error('the node must use onFrameParts when the transport has it')
    },
    onFrameParts: (handler) =>
      inner.onFrame((from, frame) => {
        const cuts = [0, ...[1, 2].map(() => rng.int(frame.length + 1)).sort((a, b) => a - b), frame.length]
        const parts = cuts.slice(1).map((end, i) => frame.subarray(cuts[i], end))
        counter.parts += parts.length
        handler(from, parts)
      }),
  }
}

async function settle(net: { pending(): number }): Promise<void> {
  for (let i = 0; i < 400; i++) {
    await new Promise((r) => setImmediate(r))
    if (net.pending() === 0) await new Promise((r) => setImmediate(r))
    if (net.pending() === 0) return
  }
}

function fleet(): {
  client: TunnelNode
  net: ReturnType<typeof createMemoryNetwork>
  counter: { parts: number }
} {
  const net = createMemoryNetwork()
  const clock = createVirtualClock(1_000_000)
  const connector = createEchoConnector()
  const counter = { parts: 0 }
  const directory: HopDescriptor[] = []
  const make = (peerId: string, roles: { relay?: boolean; exit?: boolean }): TunnelNode => {
    const rng = createSeededRng(peerId)
    const node = createTunnelNode(
      { transport: splitting(net.transport(peerId), `${peerId}-cuts`, counter), clock, rng, connector },
      {
        identitySecret: rng.bytes(32),
        directory: () => directory,
        ...roles,
        ...(roles.exit === true ? { exitPolicy: createWorldExitPolicy(['10.9.0.0/16']) } : {}),
      },
    )
    node.start()
    return node
  }
  directory.push(make('r1', { relay: true }).descriptor(), make('r2', { relay: true }).descriptor())
  directory.push(make('x1', { exit: true }).descriptor())
  return { client: make('c1', {}), net, counter }
}

describe('frames delivered as parts', () => {
  it('a 3-hop circuit carries a stream byte-exact when every frame arrives cut in pieces', async () => {
    const { client, net, counter } = fleet()
    const circuit = await client.buildCircuit(3)
    const got: Uint8Array[] = []
    const stream = await circuit.openStream('echo.test', 80, {
      onData: (d) => got.push(Uint8Array.from(d)),
      onEnd: () => undefined,
      onDrain: () => undefined,
    })
    const sent = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 13 + (i >> 9)) & 0xff))
    stream.write(sent)
    await settle(net)
    expect(Buffer.concat(got).equals(sent)).toBe(true)
    expect(counter.parts).toBeGreaterThan(0)
    expect(circuit.isOpen()).toBe(true)
  })

  it('a bit flipped in a backward cell that a relay passes on in pieces still fails the circuit closed', async () => {
    const { client, net } = fleet()
    const circuit = await client.buildCircuit(3)
    let reason: TunnelErrorCode | undefined
    circuit.onClose((r) => (reason = r))
    const got: Uint8Array[] = []
    const stream = await circuit.openStream('echo.test', 80, {
      onData: (d) => got.push(Uint8Array.from(d)),
      onEnd: () => undefined,
      onDrain: () => undefined,
    })
    // The exit's answer to the middle relay: flip one bit deep inside the onion.
    let armed = true
    net.intercept((from, to, frame) => {
      if (armed && from === 'x1' && to === circuit.path[1] && frame[4] === RELAY_BWD && frame.length > 1000) {
        armed = false
        const copy = Uint8Array.from(frame)
        copy[700] = (copy[700] ?? 0) ^ 0x04
        return [copy]
      }
      return [frame]
    })
    stream.write(Buffer.alloc(20_000, 0x41))
    await settle(net)
    expect(armed).toBe(false)
    expect(reason).toBe('TUNNEL_CELL_AUTH_FAILED')
    expect(Buffer.concat(got).length).toBe(0)
  })
})
