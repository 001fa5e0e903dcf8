import { createMemoryChain, networkParams, validateAddress } from '@dolly/wallet'
import { chainBackendContract } from './chain-backend.contract.ts'

chainBackendContract('memory', async () => {
  const network = networkParams('world')
  const chain = createMemoryChain({ network })
  return {
    backend: chain,
    network,
    fund: async (address, sats) =>
      chain.fund(Buffer.from(validateAddress(address, network).script).toString('hex'), sats),
    mine: async (blocks) => chain.mine(blocks),
    stop: async () => undefined,
  }
})
