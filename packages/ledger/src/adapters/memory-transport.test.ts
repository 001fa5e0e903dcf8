import { createMemoryNetwork } from './memory-transport.ts'
import { ledgerTransportContract } from './transport-contract.ts'

ledgerTransportContract('memory', async () => {
  const network = createMemoryNetwork()
  return {
    agent: async (publicKey) => ({ publicKey, transport: network.transport(publicKey) }),
    close: async () => undefined,
  }
})
