import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorCode } from '@dolly/base'
import { isAlive, startChain, type ChainHandle } from '@dolly/world'

describe('world chain (litecoind -regtest)', () => {
  let dir: string
  let chain: ChainHandle

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-chain-'))
    chain = await startChain({ dir })
  })

  afterAll(async () => {
    await chain?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('starts with a faucet holding mature coins past the MWEB activation height', async () => {
    expect(await chain.rpc<number>('getblockcount')).toBeGreaterThanOrEqual(532)
    expect(await chain.faucetBalance()).toBeGreaterThan(1_000n * 100_000_000n)
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
  })

  it('pays an exact amount that confirms in the next block', async () => {
    await chain.rpc('createwallet', ['receiver'])
    const address = await chain.rpc<string>('getnewaddress', ['', 'bech32'], { wallet: 'receiver' })
    expect(address).toMatch(/^rltc1/)
    const txid = await chain.faucet(address, 12_345_678n)
    await chain.mine(1)
    const tx = await chain.rpc<{ confirmations: number; details: Array<{ amount: number }> }>(
      'gettransaction',
      [txid],
      {
        wallet: 'receiver',
      },
    )
    expect(tx.confirmations).toBe(1)
    expect(tx.details[0]?.amount).toBe(0.12345678)
  })

  it('reports a node error with its code', async () => {
    try {
      await chain.rpc('getblockhash', [10_000_000])
      expect.unreachable()
    } catch (err) {
      expect(errorCode(err)).toBe('WORLD_CHAIN_RPC')
    }
  })

  it('keeps the chain across a restart and leaves no process after stop', async () => {
    const height = await chain.rpc<number>('getblockcount')
    const pid = chain.pid
    await chain.stop()
    expect(isAlive(pid)).toBe(false)
    chain = await startChain({ dir })
    expect(await chain.rpc<number>('getblockcount')).toBe(height)
  })
})
