import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startChain } from '@dolly/world'
import { createSystemClock } from '@dolly/base'
import { createBitcoinCoreRpcChain, networkParams } from '@dolly/wallet'
import { chainBackendContract } from '../contract/chain-backend.contract.ts'

// The same contract the memory chain passes, against the world's real litecoind -regtest.
chainBackendContract('bitcoin-core-rpc (world litecoind)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wallet-core-contract-'))
  const chain = await startChain({ dir })
  const backend = createBitcoinCoreRpcChain(
    { clock: createSystemClock() },
    { url: chain.rpcUrl, user: chain.rpcUser, password: chain.rpcPassword, timeoutMs: 30_000 },
  )
  return {
    backend,
    network: networkParams('world'),
    fund: (address, sats) => chain.faucet(address, sats),
    mine: async (blocks) => void (await chain.mine(blocks)),
    stop: async () => {
      await chain.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
})
