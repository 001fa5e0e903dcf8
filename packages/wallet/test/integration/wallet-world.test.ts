import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChain, type ChainHandle } from '@dolly/world'
import { createNullLogger, createSystemClock } from '@dolly/base'
import {
  createBitcoinCoreRpcChain,
  createWallet,
  deriveAccount,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
  validateAddress,
  type ChainBackend,
  type Wallet,
  type WalletStore,
} from '@dolly/wallet'

const world = networkParams('world')
// BIP39 vector mnemonics: test-only keys on the local regtest chain.
const ALICE = 'legal winner thank year wave sausage worth useful legal winner thank yellow'
const BOB = 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above'
const CAROL = 'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong'

describe('wallet on the world chain', () => {
  let dir: string
  let chain: ChainHandle
  let backend: ChainBackend
  const stores: WalletStore[] = []

  const open = (mnemonic: string, dbName: string): Wallet => {
    const store = openSqliteWalletStore(join(dir, dbName))
    stores.push(store)
    return createWallet(
      { chain: backend, store, clock: createSystemClock(), logger: createNullLogger() },
      { network: world, account: deriveAccount(mnemonicToRoot(mnemonic, world), world) },
    )
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wallet-world-'))
    chain = await startChain({ dir: join(dir, 'chain') })
    backend = createBitcoinCoreRpcChain(
      { clock: createSystemClock() },
      { url: chain.rpcUrl, user: chain.rpcUser, password: chain.rpcPassword, timeoutMs: 30_000 },
    )
  })
  afterAll(async () => {
    for (const s of stores) s.close()
    await chain?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('receives from the faucet, sends 0.3, confirms, and after a restart shows the same exact balances and history', async () => {
    const alice = open(ALICE, 'alice.sqlite')
    const bob = open(BOB, 'bob.sqlite')
    await chain.faucet((await alice.receiveAddress()).address, 100_000_000n)
    await chain.mine(1)
    expect((await alice.balance()).confirmedSats).toBe(100_000_000n)

    const bobAddress = (await bob.receiveAddress()).address
    const payment = await alice.send({ to: bobAddress, amountSats: 30_000_000n, purpose: 'integration 0.3' })
    expect(payment.state).toBe('broadcast')
    await chain.mine(1)
    const confirmed = await alice.waitForConfirmations(payment.id, { pollMs: 100, timeoutMs: 10_000 })
    expect(confirmed).toMatchObject({ state: 'confirmed', confirmations: 1 })

    const aliceAfter = 100_000_000n - 30_000_000n - payment.feeSats
    expect((await alice.balance()).confirmedSats).toBe(aliceAfter)
    expect((await bob.balance()).confirmedSats).toBe(30_000_000n)
    // Fee is what the chain says: inputs − outputs of the confirmed transaction.
    const tx = await backend.getTransaction(payment.txid)
    expect(tx?.confirmations).toBe(1)

    for (const s of stores.splice(0)) s.close()
    const aliceAgain = open(ALICE, 'alice.sqlite')
    expect((await aliceAgain.balance()).confirmedSats).toBe(aliceAfter)
    expect(aliceAgain.history().payments).toMatchObject([
      {
        txid: payment.txid,
        amountSats: 30_000_000n,
        feeSats: payment.feeSats,
        purpose: 'integration 0.3',
        state: 'confirmed',
      },
    ])
    expect(aliceAgain.history().receipts.map((r) => r.valueSats)).toEqual([100_000_000n])
  })

  it('after kill -9 between signing and broadcast, the restarted wallet pays exactly once and loses nothing', async () => {
    const carol = open(CAROL, 'carol.sqlite')
    await chain.faucet((await carol.receiveAddress()).address, 50_000_000n)
    await chain.mine(1)
    const bobTo = (await open(BOB, 'bob2.sqlite').receiveAddress()).address
    for (const s of stores.splice(0)) s.close()

    const nodeBin = join(process.cwd(), 'node_modules', '.bin', 'node')
    const helper = join(import.meta.dirname, 'helpers', 'pay-and-hang.ts')
    const child = spawn(
      nodeBin,
      [
        helper,
        chain.rpcUrl,
        chain.rpcUser,
        chain.rpcPassword,
        join(dir, 'carol.sqlite'),
        CAROL,
        bobTo,
        '20000000',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const signed = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('signed') && resolve(true))
      child.once('exit', () => resolve(false))
    })
    expect(signed, stderr).toBe(true)
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited

    const restarted = open(CAROL, 'carol.sqlite')
    const [intent] = restarted.history().payments
    expect(intent).toMatchObject({ state: 'signed', amountSats: 20_000_000n })
    expect(await backend.getTransaction(intent!.txid)).toBeUndefined()
    await restarted.reconcile()
    await chain.mine(1)
    await restarted.reconcile()
    expect(restarted.history().payments).toMatchObject([{ txid: intent!.txid, state: 'confirmed' }])
    const bobUtxos = await backend.listUnspent([
      Buffer.from(validateAddress(bobTo, world).script).toString('hex'),
    ])
    expect(bobUtxos.map((u) => u.valueSats)).toEqual([20_000_000n])
    expect((await restarted.balance()).confirmedSats).toBe(50_000_000n - 20_000_000n - intent!.feeSats)
  })

  it('reports a down backend with a typed error and records nothing', async () => {
    const down = createBitcoinCoreRpcChain(
      { clock: createSystemClock() },
      { url: 'http://127.0.0.1:9/', user: 'x', password: 'y', timeoutMs: 2_000 },
    )
    const store = openSqliteWalletStore(':memory:')
    stores.push(store)
    const wallet = createWallet(
      { chain: down, store, clock: createSystemClock(), logger: createNullLogger() },
      { network: world, account: deriveAccount(mnemonicToRoot(ALICE, world), world) },
    )
    await expect(wallet.balance()).rejects.toMatchObject({ code: 'WALLET_BACKEND_DOWN' })
    expect(store.listPayments()).toEqual([])
  })
})
