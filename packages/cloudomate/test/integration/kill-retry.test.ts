/**
 * kill -9 between "invoice read" and "paid" (CLOUDOMATE.md §15.5): a child process buys from a world
 * shop and is killed right after its wallet broadcast the payment, before the journal's `paid` line.
 * The retry finds the `paying` entry, finds the payment in the wallet, records it, and pays nothing
 * more: the invoice is paid exactly once and the server becomes active.
 */
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { createCryptoRng, createSystemClock } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFileAccountStore } from '../../src/adapters/account-files.ts'
import { createFileJournalStore } from '../../src/adapters/journal-file.ts'
import { WORLD_SHOPS } from '../../src/providers/shops.ts'
import { waitUntilActive } from '../../src/purchase/activate.ts'
import { foldJournal } from '../../src/purchase/journal.ts'
import { purchase } from '../../src/purchase/purchase.ts'
import { createFixedRateSource } from '../../src/rates.ts'
import { paymentWalletFrom } from '../../src/wallet-port.ts'
import { createWhmcsDriver } from '../../src/whmcs/driver.ts'
import { createSshRootPasswordChanger, startProvider, type RunningProvider } from '../support/world.ts'
import { DAY_MS, SCALE, startHarness, type Harness } from './world-harness.ts'

const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow'

describe('a purchase killed with SIGKILL after paying', () => {
  let h: Harness
  let shop: RunningProvider

  beforeAll(async () => {
    h = await startHarness('cloudomate-kill-')
    shop = await startProvider(
      {
        chain: h.chain,
        provisioner: h.provisioner,
        clock: h.worldClock,
        log: h.log,
        passwords: createSshRootPasswordChanger(),
      },
      {
        name: 'bluecloud',
        host: '127.0.0.1',
        invoiceExpiryMs: 20 * DAY_MS,
        pollIntervalMs: SCALE * 100,
        // Long enough that a loaded machine does not end the lease mid-test (60 days = 30 real s).
        monthMs: 3_600 * DAY_MS,
      },
    )
  })
  afterAll(async () => {
    await shop?.stop()
    await h?.stop()
  })

  it('is paid exactly once after the retry', async () => {
    const home = `${h.dir}/home`
    await mkdir(home, { recursive: true })
    const funding = h.openWallet('wallet.sqlite')
    await h.chain.faucet((await funding.receiveAddress()).address, 50_000_000n)
    await h.mine()
    await funding.balance()

    const child = spawn(
      process.execPath,
      [
        new URL('./helpers/purchase-and-hang.ts', import.meta.url).pathname,
        'bluecloud',
        shop.url,
        h.chain.rpcUrl,
        h.chain.rpcUser,
        h.chain.rpcPassword,
        `${h.dir}/wallet.sqlite`,
        MNEMONIC,
        home,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const childTxid = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /paid ([0-9a-f]{64})/.exec(out)
        if (m !== null) resolve(m[1]!)
      })
      child.once('exit', (code) => reject(new Error(`child exited ${code} before paying: ${stderr}`)))
    })
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited

    const journal = createFileJournalStore(`${home}/journal.jsonl`)
    expect([...foldJournal(await journal.readAll()).values()].map((r) => r.state)).toEqual(['paying'])

    const clock = createSystemClock()
    const rng = createCryptoRng()
    const wallet = h.openWallet('wallet.sqlite')
    const accounts = createFileAccountStore(`${home}/purchases`)
    const driver = createWhmcsDriver({
      ...WORLD_SHOPS.find((s) => s.name === 'bluecloud')!,
      baseUrl: shop.url,
    })
    const deps = {
      wallet: paymentWalletFrom(wallet),
      journal,
      accounts,
      rates: createFixedRateSource(clock, { USD: 1000n }),
      clock,
      rng,
      log: h.log,
      newSession: h.newSession,
      network: wallet.network,
    }
    const options = await driver.options({
      session: h.newSession(),
      network: wallet.network,
      clock,
      rng,
      log: h.log,
    })
    const [account] = await accounts.list()
    const outcome = await purchase(deps, {
      driver,
      option: options[0]!,
      settings: account!.settings,
      policy: { tolerancePct: 3, maxSats: null },
    })
    expect(outcome).toMatchObject({ kind: 'paid', resumed: true, txid: childTxid })
    const config = await waitUntilActive(deps, driver, account!, {
      firstDelayMs: 200,
      maxDelayMs: 1_000,
      timeoutMs: 60_000,
    })
    expect(config.ip).toMatch(/^10\.77\./)
    const payments = wallet.history().payments
    expect(payments.map((p) => p.txid)).toEqual([childTxid])
    expect([...foldJournal(await journal.readAll()).values()].map((r) => r.state)).toEqual(['active'])
  })
})
