import { describe, expect, it } from 'vitest'
import { createMemoryLogger, createVirtualClock } from '@dolly/base'
import { openSqliteWalletStore } from '../adapters/sqlite-store.ts'
import { createMemoryChain, type MemoryChain } from '../adapters/memory-chain.ts'
import { deriveChildRoot } from '../hd/family.ts'
import { deriveAccount, deriveAddress, mnemonicToRoot, type HdNode } from '../hd/keys.ts'
import { networkParams } from '../network.ts'
import type { ChainBackend, WalletStore } from '../ports.ts'
import { WalletError } from '../errors.ts'
import { bytesToHex } from '../spend/build-transaction.ts'
import { createWallet } from './wallet.ts'
import type { Wallet } from './wallet-types.ts'

const world = networkParams('world')
const rootA = mnemonicToRoot(
  'legal winner thank year wave sausage worth useful legal winner thank yellow',
  world,
)
const rootB = mnemonicToRoot(
  'letter advice cage absurd amount doctor acoustic avoid letter advice cage above',
  world,
)

function setup() {
  const chain = createMemoryChain({ network: world })
  const clock = createVirtualClock(1_700_000_000_000)
  const logger = createMemoryLogger()
  const open = (
    root: HdNode,
    store: WalletStore = openSqliteWalletStore(':memory:'),
  ): { wallet: Wallet; store: WalletStore } => ({
    wallet: createWallet(
      { chain, store, clock, logger },
      { network: world, account: deriveAccount(root, world) },
    ),
    store,
  })
  return { chain, clock, logger, open }
}

async function fund(chain: MemoryChain, wallet: Wallet, sats: bigint): Promise<string> {
  const address = await wallet.receiveAddress()
  chain.fund(bytesToHex(address.script), sats)
  chain.mine(1)
  return address.address
}

describe('wallet service', () => {
  it('receives, sends and leaves both balances exact to the satoshi', async () => {
    const { chain, open } = setup()
    const { wallet: a } = open(rootA)
    const { wallet: b } = open(rootB)
    await fund(chain, a, 100_000_000n)
    expect(await a.balance()).toMatchObject({
      confirmedSats: 100_000_000n,
      spendableSats: 100_000_000n,
      totalSats: 100_000_000n,
    })
    const to = await b.receiveAddress()
    const payment = await a.send({ to: to.address, amountSats: 30_000_000n, purpose: 'test payment' })
    expect(payment).toMatchObject({ state: 'broadcast', amountSats: 30_000_000n, purpose: 'test payment' })
    expect(payment.feeSats).toBeGreaterThan(0n)
    // Pending: the spent coin is reserved, the change is pending.
    expect(await a.balance()).toMatchObject({
      spendableSats: 0n,
      pendingChangeSats: payment.changeSats,
      totalSats: 70_000_000n - payment.feeSats,
    })
    chain.mine(1)
    expect((await a.balance()).confirmedSats).toBe(70_000_000n - payment.feeSats)
    expect((await a.balance()).totalSats).toBe(70_000_000n - payment.feeSats)
    expect((await b.balance()).confirmedSats).toBe(30_000_000n)
    await a.reconcile()
    expect(a.history().payments).toMatchObject([{ txid: payment.txid, state: 'confirmed', confirmations: 1 }])
    expect(b.history().receipts).toMatchObject([{ valueSats: 30_000_000n, address: to.address }])
    // Our change is not listed as income.
    expect(a.history().receipts.map((r) => r.valueSats)).toEqual([100_000_000n])
  })

  it('hands out a fresh receive address each time, skipping used ones', async () => {
    const { chain, open } = setup()
    const { wallet } = open(rootA)
    const first = await fund(chain, wallet, 10_000n)
    const second = await wallet.receiveAddress()
    const third = await wallet.receiveAddress()
    expect(new Set([first, second.address, third.address]).size).toBe(3)
  })

  it('reconciles a payment whose broadcast reply was lost: paid exactly once after a restart', async () => {
    const { chain, open } = setup()
    const store = openSqliteWalletStore(':memory:')
    const { wallet: a } = open(rootA, store)
    const { wallet: b } = open(rootB)
    await fund(chain, a, 50_000_000n)
    const to = await b.receiveAddress()
    chain.loseNextBroadcastReply()
    await expect(
      a.send({ to: to.address, amountSats: 10_000_000n, purpose: 'lost reply' }),
    ).rejects.toMatchObject({ code: 'WALLET_BACKEND_DOWN' })
    expect(store.listPayments()).toMatchObject([{ state: 'signed' }])
    const { wallet: restarted } = open(rootA, store)
    await restarted.reconcile()
    expect(store.listPayments()).toMatchObject([{ state: 'broadcast' }])
    chain.mine(1)
    await restarted.reconcile()
    expect(store.listPayments()).toMatchObject([{ state: 'confirmed' }])
    expect((await b.balance()).confirmedSats).toBe(10_000_000n)
  })

  it('rebroadcasts the identical transaction when the node never saw it (crash between signing and broadcast)', async () => {
    const { chain, open } = setup()
    const store = openSqliteWalletStore(':memory:')
    const { wallet: a } = open(rootA, store)
    const { wallet: b } = open(rootB)
    await fund(chain, a, 50_000_000n)
    await fund(chain, a, 5_000_000n)
    const to = await b.receiveAddress()
    // Down exactly at broadcast time: estimateFee/scan succeed, broadcast throws before the node has it.
    const realBroadcast = chain.broadcast.bind(chain)
    chain.broadcast = async () => {
      throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })
    }
    await expect(a.send({ to: to.address, amountSats: 10_000_000n, purpose: 'crash' })).rejects.toMatchObject(
      { code: 'WALLET_BACKEND_DOWN' },
    )
    chain.broadcast = realBroadcast
    const [intent] = store.listPayments()
    expect(await chain.getTransaction(intent!.txid)).toBeUndefined()
    // A second payment first reconciles the pending one (re-sending it), and never reuses its coin.
    const second = await a.send({ to: to.address, amountSats: 1_000_000n, purpose: 'second' })
    expect(second.inputs.some((o) => intent!.inputs.includes(o))).toBe(false)
    chain.mine(1)
    await open(rootA, store).wallet.reconcile()
    expect(store.listPayments().map((p) => [p.purpose, p.state])).toEqual([
      ['crash', 'confirmed'],
      ['second', 'confirmed'],
    ])
    expect((await b.balance()).confirmedSats).toBe(11_000_000n)
  })

  it.each([
    ['wallet-insert', false],
    ['broadcast', true],
  ] as const)(
    'calls the %s checkpoint with the payment recorded as signed (node has it: %s)',
    async (step, nodeHasIt) => {
      const { chain, clock, logger } = setup()
      const store = openSqliteWalletStore(':memory:')
      const reached: string[] = []
      const stop = new Error('stopped at the checkpoint')
      const wallet = createWallet(
        {
          chain,
          store,
          clock,
          logger,
          checkpoint: (name) => {
            reached.push(name)
            if (name === step) throw stop
          },
        },
        { network: world, account: deriveAccount(rootA, world) },
      )
      await fund(chain, wallet, 1_000_000n)
      const to = deriveAddress(deriveAccount(rootB, world), world, 0, 0).address
      await expect(wallet.send({ to, amountSats: 100_000n, purpose: 'kill me' })).rejects.toBe(stop)
      expect(reached.at(-1)).toBe(step)
      const [payment] = store.listPayments()
      expect(payment?.state).toBe('signed')
      expect((await chain.getTransaction(payment?.txid ?? '')) !== undefined).toBe(nodeHasIt)
    },
  )

  it('marks a pending payment failed when its coin was spent elsewhere', async () => {
    const { chain, open } = setup()
    const store = openSqliteWalletStore(':memory:')
    const { wallet: a } = open(rootA, store)
    await fund(chain, a, 5_000_000n)
    const to = (await open(rootB).wallet.receiveAddress()).address
    chain.loseNextBroadcastReply()
    await expect(a.send({ to, amountSats: 1_000_000n, purpose: 'evicted' })).rejects.toMatchObject({
      code: 'WALLET_BACKEND_DOWN',
    })
    const [first] = store.listPayments()
    chain.evict(first!.txid)
    // Another holder of the same keys spends the coin first.
    await open(rootA).wallet.send({ to, amountSats: 2_000_000n, purpose: 'other device' })
    chain.mine(1)
    await a.reconcile()
    expect(store.getPayment(first!.id)).toMatchObject({
      state: 'failed',
      failureReason: 'an input was spent by another transaction',
    })
  })

  it.each([
    [
      'an address of another network',
      { to: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', amountSats: 1_000_000n },
      'WALLET_ADDRESS_WRONG_NETWORK',
    ],
    ['an invalid address', { to: 'rltc1qnotanaddress', amountSats: 1_000_000n }, 'WALLET_ADDRESS_INVALID'],
    ['more than it holds', { to: '', amountSats: 900_000_000n }, 'WALLET_INSUFFICIENT_FUNDS'],
    ['dust', { to: '', amountSats: 100n }, 'WALLET_AMOUNT_BELOW_DUST'],
  ])('refuses %s and broadcasts nothing', async (_name, request, code) => {
    const { chain, open } = setup()
    const store = openSqliteWalletStore(':memory:')
    const { wallet } = open(rootA, store)
    await fund(chain, wallet, 10_000_000n)
    const to = request.to === '' ? (await open(rootB).wallet.receiveAddress()).address : request.to
    await expect(wallet.send({ ...request, to, purpose: 'bad' })).rejects.toMatchObject({ code })
    expect(store.listPayments()).toEqual([])
  })

  it('refuses a fee above the ceiling and a down backend, recording nothing', async () => {
    const { chain, open } = setup()
    const store = openSqliteWalletStore(':memory:')
    const { wallet } = open(rootA, store)
    await fund(chain, wallet, 10_000_000n)
    const to = (await open(rootB).wallet.receiveAddress()).address
    chain.setFeeEstimate(500_000n)
    await expect(wallet.send({ to, amountSats: 1_000_000n, purpose: 'x' })).rejects.toMatchObject({
      code: 'WALLET_FEE_TOO_HIGH',
    })
    chain.setFeeEstimate(undefined)
    chain.setDown(true)
    await expect(wallet.send({ to, amountSats: 1_000_000n, purpose: 'x' })).rejects.toMatchObject({
      code: 'WALLET_BACKEND_DOWN',
    })
    expect(store.listPayments()).toEqual([])
  })

  it('lets a parent sweep a dead child’s coins into its own wallet', async () => {
    const { chain, open } = setup()
    const childRoot = deriveChildRoot(rootA, 3)
    const { wallet: child } = open(childRoot)
    const { wallet: parent } = open(rootA)
    await fund(chain, child, 4_000_000n)
    await fund(chain, child, 1_000_000n)
    const sweep = await parent.sweepAccount(deriveAccount(childRoot, world), 'sweep-child 3')
    expect(sweep.amountSats + sweep.feeSats).toBe(5_000_000n)
    chain.mine(1)
    expect((await parent.balance()).confirmedSats).toBe(sweep.amountSats)
    expect((await child.balance()).confirmedSats).toBe(0n)
    await expect(parent.sweepAccount(deriveAccount(childRoot, world), 'again')).rejects.toMatchObject({
      code: 'WALLET_NOTHING_TO_SWEEP',
    })
  })

  it('sends everything to an heir: one output, the fee from the amount, no change', async () => {
    const { chain, open } = setup()
    const { wallet } = open(rootA)
    const { wallet: heir } = open(rootB)
    await fund(chain, wallet, 4_000_000n)
    await fund(chain, wallet, 7_928n)
    const all = await wallet.sendAll({ to: (await heir.receiveAddress()).address, purpose: 'heir sweep' })
    expect(all.amountSats + all.feeSats).toBe(4_007_928n)
    expect(all.changeSats).toBe(0n)
    chain.mine(1)
    expect((await heir.balance()).confirmedSats).toBe(all.amountSats)
    expect((await wallet.balance()).confirmedSats).toBe(0n)
    await expect(
      wallet.sendAll({ to: (await heir.receiveAddress()).address, purpose: 'again' }),
    ).rejects.toMatchObject({ code: 'WALLET_NOTHING_TO_SWEEP' })
  })

  it('refuses to send everything when the fee would leave dust, and pays nothing', async () => {
    const { chain, open } = setup()
    const { wallet, store } = open(rootA)
    await fund(chain, wallet, 3_000n)
    await expect(
      wallet.sendAll({ to: (await open(rootB).wallet.receiveAddress()).address, purpose: 'dust' }),
    ).rejects.toMatchObject({ code: 'WALLET_AMOUNT_BELOW_DUST' })
    expect(store.listPayments()).toEqual([])
  })

  it('waits for confirmations by polling the clock, bounded by a timeout', async () => {
    const { chain, clock, open } = setup()
    const { wallet } = open(rootA)
    await fund(chain, wallet, 10_000_000n)
    const payment = await wallet.send({
      to: (await open(rootB).wallet.receiveAddress()).address,
      amountSats: 1_000_000n,
      purpose: 'wait',
    })
    const waiting = wallet.waitForConfirmations(payment.id, { pollMs: 1_000, timeoutMs: 10_000 })
    await clock.advance(3_000)
    chain.mine(1)
    await clock.advance(1_000)
    await expect(waiting).resolves.toMatchObject({ state: 'confirmed' })
    const second = await wallet.send({
      to: (await open(rootB).wallet.receiveAddress()).address,
      amountSats: 1_000_000n,
      purpose: 'never mined',
    })
    const timingOut = wallet.waitForConfirmations(second.id, { pollMs: 1_000, timeoutMs: 5_000 })
    const assertion = expect(timingOut).rejects.toMatchObject({ code: 'WALLET_CONFIRMATION_TIMEOUT' })
    await clock.advance(6_000)
    await assertion
  })
})

describe('wallet scans per tip', () => {
  /** The memory chain with its scans counted, a tip hash that can be replaced, and a switch to refuse it. */
  function countingChain(inner: MemoryChain) {
    let scans = 0
    let forcedTip: string | undefined
    let tipError: Error | undefined
    const chain: ChainBackend = {
      tipHeight: (o) => inner.tipHeight(o),
      tipHash: async (o) => {
        if (tipError !== undefined) throw tipError
        return forcedTip ?? inner.tipHash(o)
      },
      listUnspent: (s, o) => {
        scans++
        return inner.listUnspent(s, o)
      },
      getTransaction: (t, o) => inner.getTransaction(t, o),
      broadcast: (h, o) => inner.broadcast(h, o),
      estimateFee: (t, o) => inner.estimateFee(t, o),
    }
    return {
      chain,
      scans: () => scans,
      setTip: (hash: string | undefined) => void (forcedTip = hash),
      failTip: (err: Error | undefined) => void (tipError = err),
    }
  }

  function open(chain: ChainBackend) {
    const logger = createMemoryLogger()
    const wallet = createWallet(
      {
        chain,
        store: openSqliteWalletStore(':memory:'),
        clock: createVirtualClock(1_700_000_000_000),
        logger,
      },
      { network: world, account: deriveAccount(rootA, world), gapLimit: 5 },
    )
    return { wallet, logger }
  }

  it('reads the chain once per tip hash and again after a block, a new address or a reorg', async () => {
    const inner = createMemoryChain({ network: world })
    const c = countingChain(inner)
    const { wallet } = open(c.chain)
    const first = await wallet.receiveAddress()
    inner.fund(bytesToHex(first.script), 40_000n)
    inner.mine(1)
    expect((await wallet.balance()).confirmedSats).toBe(40_000n)
    const afterFirst = c.scans()
    expect((await wallet.balance()).confirmedSats).toBe(40_000n)
    expect((await wallet.balance()).confirmedSats).toBe(40_000n)
    expect(c.scans()).toBe(afterFirst)

    // A coin confirmed in a new block is seen at once.
    inner.fund(bytesToHex(first.script), 2_000n)
    expect((await wallet.balance()).confirmedSats).toBe(40_000n)
    expect(c.scans()).toBe(afterFirst)
    inner.mine(1)
    expect((await wallet.balance()).confirmedSats).toBe(42_000n)
    expect(c.scans()).toBeGreaterThan(afterFirst)

    // Handing out an address widens the window: the next balance scans it, and sees coins there.
    const beforeAddress = c.scans()
    const far = await wallet.receiveAddress()
    expect(c.scans()).toBe(beforeAddress)
    await wallet.balance()
    expect(c.scans()).toBeGreaterThan(beforeAddress)

    // A reorg replaces the tip at the same height (here: a hash the wallet has not seen): scan again.
    const beforeReorg = c.scans()
    c.setTip('ab'.repeat(32))
    await wallet.balance()
    expect(c.scans()).toBeGreaterThan(beforeReorg)
    c.setTip(undefined)
    inner.fund(bytesToHex(far.script), 7_000n)
    inner.mine(1)
    expect((await wallet.balance()).confirmedSats).toBe(49_000n)
  })

  it('scans on every call when the backend refuses the tip hash, and stops on a down backend', async () => {
    const inner = createMemoryChain({ network: world })
    const c = countingChain(inner)
    const { wallet, logger } = open(c.chain)
    await fund(inner, wallet, 30_000n)
    c.failTip(new WalletError('WALLET_BACKEND_PROTOCOL', 'method not allowed by the RPC allow-list', {}))
    const before = c.scans()
    expect((await wallet.balance()).confirmedSats).toBe(30_000n)
    expect((await wallet.balance()).confirmedSats).toBe(30_000n)
    expect(c.scans()).toBe(before + 2)
    expect(logger.entries.filter((e) => e.event === 'wallet.tip_hash_unavailable')).toHaveLength(1)

    const down = countingChain(createMemoryChain({ network: world }))
    down.failTip(new WalletError('WALLET_BACKEND_DOWN', 'connection refused', {}))
    await expect(open(down.chain).wallet.balance()).rejects.toMatchObject({ code: 'WALLET_BACKEND_DOWN' })
  })
})
