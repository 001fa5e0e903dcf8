// One tunnel relay in a process of its own, for the relay-memory row of bench/tunnels/run.ts: a
// loopback libp2p host (the agent's stack), the libp2p tunnel transport and a relay-only tunnel node
// whose joined-circuit cap is `--max-circuits`. Prints one JSON line with its peer id, Ed25519 key,
// tunnel key and addresses; then answers each `mem` line on stdin with a JSON line of
// `process.memoryUsage()` after two full GCs, and its joined circuit count (`peek`: the same without
// the GCs). Exits when stdin closes.
// Run: node --expose-gc bench/tunnels/relay-child.ts [--max-circuits 1000]
import { createInterface } from 'node:readline'
import { bytesToHex, createCryptoRng, createSystemClock } from '@dolly/base'
import { createTunnelNode } from '@dolly/tunnels'
import { libp2pNet } from './libp2p.ts'

const at = process.argv.indexOf('--max-circuits')
const maxJoined = at > 0 ? Number(process.argv[at + 1]) : 1000
const rng = createCryptoRng()
const net = libp2pNet()
const transport = await net.transport()
const node = createTunnelNode(
  { transport, clock: createSystemClock(), rng },
  { identitySecret: rng.bytes(32), relay: true, exit: false, maxJoinedCircuits: maxJoined },
)
node.start()
const self = net.hosts[0]
process.stdout.write(
  `${JSON.stringify({
    peerId: node.peerId,
    identityKey: bytesToHex(self?.identity.publicKey ?? new Uint8Array()),
    tunnelKey: bytesToHex(node.publicKey),
    addrs: self?.host.addresses() ?? [],
  })}\n`,
)
const gc = (globalThis as { gc?: () => void }).gc
for await (const line of createInterface({ input: process.stdin })) {
  const command = line.trim()
  if (command !== 'mem' && command !== 'peek') continue
  if (command === 'mem') {
    gc?.()
    gc?.()
  }
  const joined = node.circuits().filter((c) => c.role !== 'initiator').length
  process.stdout.write(`${JSON.stringify({ ...process.memoryUsage(), joined, gc: gc !== undefined })}\n`)
}
node.stop()
await net.stop()
process.exit(0)
