import {
  createElectrumChain,
  createEsploraChain,
  createMemoryChain,
  networkParams,
  validateAddress,
} from '@dolly/wallet'
import { electrumFacade, esploraFacade } from '../support/indexer-facades.ts'
import { chainBackendContract } from './chain-backend.contract.ts'

// The esplora and electrum adapters run the same contract, against their protocols served over the memory chain.
const network = networkParams('world')
const fundVia = (chain: ReturnType<typeof createMemoryChain>) => async (address: string, sats: bigint) =>
  chain.fund(Buffer.from(validateAddress(address, network).script).toString('hex'), sats)

chainBackendContract('esplora (protocol facade over the memory chain)', async () => {
  const chain = createMemoryChain({ network })
  const base = 'https://esplora.invalid/api/'
  return {
    backend: createEsploraChain({ fetch: esploraFacade(chain, base) }, { baseUrl: base, timeoutMs: 5_000 }),
    network,
    fund: fundVia(chain),
    mine: async (blocks) => chain.mine(blocks),
    stop: async () => undefined,
  }
})

chainBackendContract('electrum (protocol facade over the memory chain)', async () => {
  const chain = createMemoryChain({ network })
  return {
    backend: createElectrumChain({ transport: electrumFacade(chain) }),
    network,
    fund: fundVia(chain),
    mine: async (blocks) => chain.mine(blocks),
    stop: async () => undefined,
  }
})
