import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSystemClock, errorCode } from '@dolly/base'
import { createBitcoinCoreRpcChain } from '@dolly/wallet'
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

  it('starts with a faucet holding mature coins, past the height where MWEB would activate', async () => {
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

  it("lets the agents' user read the chain and broadcast, and nothing else", async () => {
    const agent = createBitcoinCoreRpcChain(
      { clock: createSystemClock() },
      { url: chain.rpcUrl, user: chain.agentRpcUser, password: chain.agentRpcPassword, timeoutMs: 30_000 },
    )
    expect(await agent.tipHeight()).toBe(await chain.rpc<number>('getblockcount'))
    expect(await agent.tipHash()).toBe(await chain.rpc<string>('getbestblockhash'))
    const asAgent = async (method: string, params: unknown[] = []): Promise<number> => {
      const reply = await fetch(chain.rpcUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${chain.agentRpcUser}:${chain.agentRpcPassword}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ jsonrpc: '1.0', id: 1, method, params }),
      })
      return reply.status
    }
    expect(await asAgent('getblockcount')).toBe(200)
    // Core answers 403 for a method outside the user's rpcwhitelist.
    for (const method of [
      'getbalance',
      'sendtoaddress',
      'dumpprivkey',
      'listwallets',
      'stop',
      'generatetoaddress',
    ])
      expect(await asAgent(method), method).toBe(403)
    expect(chain.agentRpcPassword).not.toBe(chain.rpcPassword)
  })

  it('never activates MWEB, so the flush of every scantxoutset leaves its leaf-set files alone', async () => {
    const info = await chain.rpc<{ softforks: Record<string, unknown> }>('getblockchaininfo')
    expect(info.softforks['mweb']).toBeUndefined()
    const agent = createBitcoinCoreRpcChain(
      { clock: createSystemClock() },
      { url: chain.rpcUrl, user: chain.agentRpcUser, password: chain.agentRpcPassword, timeoutMs: 30_000 },
    )
    const address = await chain.rpc<string>('getnewaddress', ['', 'bech32'], { wallet: 'receiver' })
    const { scriptPubKey } = await chain.rpc<{ scriptPubKey: string }>('getaddressinfo', [address], {
      wallet: 'receiver',
    })
    await chain.faucet(address, 50_000n)
    // With MWEB active each flush copied leafNNNNNN.dat to the next number; the node died near 9,986.
    const leafFiles = async (): Promise<string[]> =>
      (await readdir(join(chain.dataDir, 'regtest'))).filter((f) => f.startsWith('leaf'))
    const before = await leafFiles()
    for (let i = 0; i < 5; i++) {
      await chain.mine(1)
      expect(await agent.listUnspent([scriptPubKey])).toHaveLength(1)
    }
    expect(await leafFiles()).toEqual(before)
    expect(before.length).toBeLessThanOrEqual(1)
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
