import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createCryptoRng,
  createNullLogger,
  createSystemClock,
  errorCode,
  generateIdentity,
  type Identity,
} from '@dolly/base'
import { bootstrapFromMultiaddrs, createNetworkComponent } from '@dolly/overlay'
import { createWorldExitPolicy } from '@dolly/tunnels'
import { peerIdOfHex } from '../directory.ts'
import { createTunnelComponent, type TunnelComponent } from './tunnel-component.ts'

/** Waits (bounded, real time) until `done()` holds. */
async function until(done: () => boolean, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
  return done()
}

type NetworkComponent = ReturnType<typeof createNetworkComponent>

interface Agent {
  readonly identity: Identity
  readonly network: NetworkComponent
  readonly tunnels: TunnelComponent
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined)
})

async function agent(
  role: { relay: boolean; exit: boolean; advertise?: boolean; admit?: (peerId: string) => boolean },
  bootstrap: readonly string[],
): Promise<Agent> {
  const home = await mkdtemp(join(tmpdir(), 'dolly-tunnel-component-'))
  cleanups.push(() => rm(home, { recursive: true, force: true }))
  const clock = createSystemClock()
  const rng = createCryptoRng()
  const log = createNullLogger()
  const identity = generateIdentity(rng)
  const network = createNetworkComponent(
    { clock, rng, log, identity },
    {
      home,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      network: {
        treePath: 'test',
        bootstrap: bootstrapFromMultiaddrs(bootstrap),
        shuffleIntervalMs: 200,
        antiEntropyIntervalMs: 200,
      },
      snapshotIntervalMs: 60_000,
    },
  )
  const tunnels = createTunnelComponent(
    { clock, rng, log, network },
    {
      home,
      relay: role.relay,
      exit: role.exit,
      ...(role.exit ? { exitPolicy: createWorldExitPolicy(['127.0.0.1/32']) } : {}),
      ...(role.advertise === undefined ? {} : { advertise: role.advertise }),
      ...(role.admit === undefined ? {} : { admit: role.admit }),
      node: { buildTimeoutMs: 3_000 },
    },
  )
  await network.start()
  await tunnels.start()
  cleanups.push(async () => {
    await tunnels.stop()
    await network.stop()
  })
  return { identity, network, tunnels }
}

async function echoServer(): Promise<number> {
  const server: Server = createServer((socket) => socket.pipe(socket))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  cleanups.push(() => new Promise((r) => server.close(() => r())))
  const a = server.address()
  return a !== null && typeof a === 'object' ? a.port : 0
}

describe('tunnel component on the overlay (loopback libp2p)', () => {
  it('builds a 2-hop circuit through advertised hops, counts it at the relay and the exit, and admits by peer id', async () => {
    const refused = new Set<string>()
    const relay = await agent({ relay: true, exit: false, admit: (p) => !refused.has(p) }, [])
    const bootstrap = relay.network.network()?.selfContact()
    const addr = `${(bootstrap?.value as { addrs: string[] }).addrs[0] ?? ''}`
    const exit = await agent({ relay: true, exit: true }, [addr])
    const user = await agent({ relay: false, exit: false }, [addr])
    const userNet = user.network.network()
    expect(await until(() => (userNet?.hops().length ?? 0) === 2)).toBe(true)
    // Gossip reaches each agent in its own time: wait until the relay and the exit know a hop too.
    const relayNet = relay.network.network()
    expect(await until(() => (relayNet?.hops().length ?? 0) >= 1)).toBe(true)
    expect(await until(() => (exit.tunnels.status()?.hopsKnown ?? 0) >= 1)).toBe(true)
    // The user advertises nothing: no agent lists it as a hop.
    expect(
      relay.network
        .network()
        ?.hops()
        .map((h) => h.id),
    ).toEqual([exit.network.network()?.id])
    expect(exit.tunnels.status()?.hopsKnown).toBe(1)

    const node = user.tunnels.node()
    if (node === undefined) throw new Error('user node not running')
    const circuit = await node.buildCircuit(2)
    expect(circuit.path).toEqual([
      peerIdOfHex(relay.network.network()?.id ?? ''),
      peerIdOfHex(exit.network.network()?.id ?? ''),
    ])
    const port = await echoServer()
    const got: Buffer[] = []
    const stream = await circuit.openStream('127.0.0.1', port, {
      onData: (d) => got.push(Buffer.from(d)),
      onEnd: () => undefined,
      onDrain: () => undefined,
    })
    stream.write(Buffer.from('through two hops'))
    expect(await until(() => Buffer.concat(got).toString() === 'through two hops')).toBe(true)
    expect(relay.tunnels.status()?.circuits).toMatchObject({ relayedNow: 1, relayedTotal: 1, exitedNow: 0 })
    expect(exit.tunnels.status()?.circuits).toMatchObject({ exitedNow: 1, exitedTotal: 1 })
    expect(BigInt(exit.tunnels.status()?.exitBytesOut ?? '0')).toBe(16n)
    expect(
      relay.tunnels
        .neighbours()
        .map((n) => n.peerId)
        .sort(),
    ).toEqual([user.network.host()?.peerId.toString(), exit.network.host()?.peerId.toString()].sort())
    stream.destroy()
    circuit.close()
    expect(await until(() => relay.tunnels.status()?.circuits.relayedNow === 0)).toBe(true)
    expect(relay.tunnels.status()?.circuits.relayedTotal).toBe(1)

    // Admission refuses the user at the first hop: its CREATE is dropped, the build times out.
    refused.add(user.network.host()?.peerId.toString() ?? '')
    const failed = await node.buildCircuit(2).catch((err: unknown) => err)
    expect(errorCode(failed)).toBe('TUNNEL_CIRCUIT_TIMEOUT')
    expect(relay.tunnels.status()?.framesDropped).toBeGreaterThanOrEqual(1)
  }, 60_000)
})
