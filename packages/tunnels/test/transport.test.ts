import { describe } from 'vitest'
import { createMemoryNetwork } from '../src/adapters/memory-transport.ts'
import { createTcpTransport } from '../src/adapters/tcp-transport.ts'
import { transportContract } from './contract/transport.contract.ts'

describe('Transport contract', () => {
  transportContract('memory', () => {
    const net = createMemoryNetwork()
    return Promise.resolve({ a: net.transport('a'), b: net.transport('b'), stop: () => Promise.resolve() })
  })

  // Loopback sockets on port 0: no root, no world needed, so it stays a unit test.
  transportContract('tcp (loopback)', async () => {
    const ports = new Map<string, number>()
    const addressOf = (p: string): { host: string; port: number } | undefined => {
      const port = ports.get(p)
      return port === undefined ? undefined : { host: '127.0.0.1', port }
    }
    const a = createTcpTransport({ peerId: 'a', addressOf })
    const b = createTcpTransport({ peerId: 'b', addressOf })
    ports.set('a', await a.start())
    ports.set('b', await b.start())
    return { a, b, stop: async () => void (await Promise.all([a.stop(), b.stop()])) }
  })
})
