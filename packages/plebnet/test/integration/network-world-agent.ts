// One agent's network stack, run inside a world host's network namespace by network-world.test.ts:
//   node network-world-agent.ts <seed> <listen ip> <port> <expected peers> <q value> [bootstrap multiaddr]
// Prints one JSON line when it knows every other agent's contact and Q-table (or after 60 s), then
// serves for a grace period so slower agents finish too, and exits.
import { createNullLogger, createSeededRng, createSystemClock } from '@dolly/base'
import {
  createAgentNetwork,
  gossipProtocol,
  libp2pNetworkTransport,
  networkConstants,
  startLibp2pHost,
  bootstrapFromMultiaddrs,
} from '@dolly/overlay'
import { createQTable } from '@dolly/learning'
import { generateIdentity } from '@dolly/base'

const [seed = '', ip = '', port = '', expected = '0', qValue = '0', bootstrap] = process.argv.slice(2)
const identity = generateIdentity(createSeededRng(seed))
const protocol = gossipProtocol(networkConstants.MAX_FRAME_BYTES)
const host = await startLibp2pHost(identity, {
  listen: [`/ip4/${ip}/tcp/${port}`],
  protocols: [protocol],
  log: createNullLogger(),
})
const network = createAgentNetwork(
  {
    clock: createSystemClock(),
    rng: createSeededRng(`${seed}/rng`),
    log: createNullLogger(),
    identity,
    transport: libp2pNetworkTransport(host, protocol),
  },
  {
    treePath: `world.${seed.length}`,
    shuffleIntervalMs: 300,
    antiEntropyIntervalMs: 400,
    bootstrap: bootstrap === undefined ? [] : bootstrapFromMultiaddrs([bootstrap]),
  },
)
await network.start()
const table = createQTable(['alpha', 'beta'])
network.publishQTable({ ...table, q: table.q.map((row) => row.map(() => Number(qValue))) })
const deadline = Date.now() + 60_000
const done = (): boolean =>
  network.contacts().filter((c) => c.qtableVersion !== undefined).length >= Number(expected)
while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
// Every table that arrived, strangers' included: this checks delivery, not the consensus rule
// (which merges at most qd.trim_f stranger tables per update; network README "Sybil resistance").
const remotes = network.takeRemotes(16, 16)
console.log(
  JSON.stringify({
    id: network.id,
    addrs: host.addresses(),
    contacts: network.contacts().map((c) => ({ id: c.id, addrs: c.addrs })),
    remoteValues: remotes.map((r) => r.q[0]?.[0]).sort(),
    rejected: network.stats().rejected,
  }),
)
await new Promise((r) => setTimeout(r, 3_000))
await network.stop()
await host.stop()
