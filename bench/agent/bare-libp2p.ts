// The baseline of bench/agent: a bare started libp2p node with the agent's transports and services
// (TCP, Noise, yamux, identify, ping, gossipsub subscribed to one topic), and nothing else: no
// ledger, no status API, no tick. Prints its listen address on stdout, runs until SIGTERM.
// Run: node_modules/.bin/node bench/agent/bare-libp2p.ts
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }),
  },
})
node.services.pubsub.subscribe('dolly/bench')
process.stdout.write(`${node.getMultiaddrs().map(String).join(' ')}\n`)
const stop = (): void => {
  void Promise.resolve(node.stop()).then(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
