import { createSeededRng, createVirtualClock, type VirtualClock } from '@dolly/base'
import { createMemoryNetwork, type MemoryNetwork } from '../src/adapters/memory-transport.ts'
import { createWorldExitPolicy } from '../src/exit-policy.ts'
import { createTunnelNode, type TunnelNode, type TunnelNodeOptions } from '../src/node.ts'
import type { ExitConnector, ExitStreamHandlers, HopDescriptor } from '../src/ports.ts'

/**
 * A small in-process tunnel network for unit tests: relays r1..rN, an exit and a client on a memory
 * network, a virtual clock, seeded Rngs, and an exit connector that plays an echo server in memory
 * (the integration tests use real sockets instead).
 */
export interface Harness {
  readonly net: MemoryNetwork
  readonly clock: VirtualClock
  readonly client: TunnelNode
  readonly relays: readonly TunnelNode[]
  readonly exit: TunnelNode
  readonly connector: EchoConnector
  /** Lets queued frames and promise chains run until the network is quiet. */
  settle(): Promise<void>
  stop(): void
}

/** An exit connector whose every TCP destination echoes, and whose UDP echoes each datagram. */
export interface EchoConnector extends ExitConnector {
  /** Destinations connected to, as `ip:port`. */
  readonly connects: string[]
  readonly open: Set<ExitStreamHandlers>
  /** Delivers a datagram to the exit's UDP sockets as if `ip`:`port` had sent it. */
  inject(ip: string, port: number, data: Uint8Array): void
}

export function createEchoConnector(): EchoConnector {
  const connects: string[] = []
  const open = new Set<ExitStreamHandlers>()
  const udpReceivers: ((ip: string, port: number, data: Uint8Array) => void)[] = []
  return {
    connects,
    open,
    inject: (ip, port, data) => {
      for (const r of udpReceivers) r(ip, port, data)
    },
    resolve: (host) => Promise.resolve(host === 'echo.test' ? ['10.9.0.1'] : []),
    connect(ip, port, handlers) {
      connects.push(`${ip}:${port}`)
      open.add(handlers)
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
            queueMicrotask(() => {
              open.delete(handlers)
              handlers.onClose(false)
            })
          },
          destroy() {
            ended = true
            open.delete(handlers)
          },
          pause: () => undefined,
          resume: () => undefined,
        },
      })
    },
    openUdp(onDatagram) {
      udpReceivers.push(onDatagram)
      return Promise.resolve({
        send: (ip: string, port: number, data: Uint8Array) =>
          queueMicrotask(() => onDatagram(ip, port, Uint8Array.from(data))),
        close: () => undefined,
      })
    },
  }
}

export function createHarness(relayCount = 2, extra: Partial<TunnelNodeOptions> = {}): Harness {
  const net = createMemoryNetwork()
  const clock = createVirtualClock(1_000_000)
  const connector = createEchoConnector()
  const directory: HopDescriptor[] = []
  const make = (peerId: string, opts: Partial<TunnelNodeOptions>): TunnelNode => {
    const rng = createSeededRng(peerId)
    const node = createTunnelNode(
      { transport: net.transport(peerId), clock, rng, connector },
      { identitySecret: rng.bytes(32), directory: () => directory, ...extra, ...opts },
    )
    node.start()
    return node
  }
  const relays = Array.from({ length: relayCount }, (_, i) => make(`r${i + 1}`, { relay: true }))
  const exit = make('x1', { exit: true, exitPolicy: createWorldExitPolicy(['10.9.0.0/16']) })
  const client = make('c1', {})
  directory.push(...relays.map((r) => r.descriptor()), exit.descriptor())
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setImmediate(r))
      if (net.pending() === 0) {
        await new Promise((r) => setImmediate(r))
        if (net.pending() === 0) return
      }
    }
  }
  return {
    net,
    clock,
    client,
    relays,
    exit,
    connector,
    settle,
    stop() {
      for (const n of [client, ...relays, exit]) n.stop()
    },
  }
}
