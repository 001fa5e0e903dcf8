import { createCryptoRng, createSystemClock } from '@dolly/base'
import {
  createCircuitPool,
  createNetExitConnector,
  createSocks5Server,
  createTcpTransport,
  createTunnelNode,
  type CircuitPool,
  type ExitPolicy,
  type HopDescriptor,
  type TcpTransport,
  type TunnelNode,
} from '@dolly/tunnels'

/** A loopback tunnel network: relays, one exit, a client with a pool and a SOCKS5 entry on 1 and 3 hops. */
export interface LoopbackNetwork {
  readonly nodes: readonly TunnelNode[]
  readonly client: TunnelNode
  readonly pool: CircuitPool
  /** SOCKS port per hop count. */
  readonly socksPorts: ReadonlyMap<number, number>
  stop(): Promise<void>
}

/** Starts `relays` relays, an exit with `policy` and a client, all over loopback TCP, plus the SOCKS entry. */
export async function startLoopbackNetwork(policy: ExitPolicy, relays = 2): Promise<LoopbackNetwork> {
  const clock = createSystemClock()
  const rng = createCryptoRng()
  const ports = new Map<string, number>()
  const directory: HopDescriptor[] = []
  const transports: TcpTransport[] = []
  const make = async (peerId: string, roles: { relay?: boolean; exit?: boolean }): Promise<TunnelNode> => {
    const transport = createTcpTransport({
      peerId,
      addressOf: (p) => {
        const port = ports.get(p)
        return port === undefined ? undefined : { host: '127.0.0.1', port }
      },
    })
    ports.set(peerId, await transport.start())
    transports.push(transport)
    const node = createTunnelNode(
      { transport, clock, rng, connector: createNetExitConnector() },
      {
        identitySecret: rng.bytes(32),
        ...roles,
        ...(roles.exit === true ? { exitPolicy: policy } : {}),
        directory: () => directory,
      },
    )
    node.start()
    return node
  }
  const relayNodes: TunnelNode[] = []
  for (let i = 0; i < relays; i++) relayNodes.push(await make(`relay-${i + 1}`, { relay: true }))
  const exit = await make('exit-1', { exit: true })
  const client = await make('client-1', {})
  directory.push(...relayNodes.map((n) => n.descriptor()), exit.descriptor())
  const pool = createCircuitPool({ node: client, clock }, { warm: { 1: 1, 3: 1 } })
  pool.start()
  const socks = createSocks5Server(
    { pool },
    {
      listen: [
        { hops: 1, port: 0 },
        { hops: 3, port: 0 },
      ],
    },
  )
  const socksPorts = await socks.start()
  const nodes = [...relayNodes, exit, client]
  return {
    nodes,
    client,
    pool,
    socksPorts,
    async stop() {
      await socks.stop()
      pool.stop()
      for (const n of nodes) n.stop()
      await Promise.all(transports.map((t) => t.stop()))
    },
  }
}

/** Sends a SOCKS5 CONNECT by hand and returns the reply code (RFC 1928 §6). */
export async function socksConnectReply(
  socksPort: number,
  atyp: 1 | 3 | 4,
  address: Uint8Array,
  port: number,
): Promise<number> {
  const { connect } = await import('node:net')
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: socksPort })
    let buf = Buffer.alloc(0)
    let phase = 0
    socket.on('error', reject)
    socket.on('connect', () => socket.write(Uint8Array.of(5, 1, 0)))
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      if (phase === 0 && buf.length >= 2) {
        buf = buf.subarray(2)
        phase = 1
        const addr =
          atyp === 3 ? Buffer.concat([Uint8Array.of(address.length), address]) : Buffer.from(address)
        socket.write(
          Buffer.concat([Uint8Array.of(5, 1, 0, atyp), addr, Uint8Array.of(port >> 8, port & 0xff)]),
        )
      }
      if (phase === 1 && buf.length >= 2) {
        socket.destroy()
        resolve(buf[1] ?? -1)
      }
    })
  })
}
