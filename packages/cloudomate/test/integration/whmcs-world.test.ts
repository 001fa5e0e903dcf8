/**
 * Buying from every world shop through the library, end to end: the WHMCS walk, the shop's gateway,
 * payment by a real @dolly/wallet wallet on the regtest chain, waiting until the service is active,
 * and logging into the namespace host over SSH with the root password the client area reveals.
 * Needs root (namespaces) and litecoind.
 */
import { createCryptoRng, createSystemClock } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sshExec } from '../../src/adapters/ssh.ts'
import { createFileJournalStore } from '../../src/adapters/journal-file.ts'
import { generateIdentity } from '../../src/identity.ts'
import { WORLD_SHOPS } from '../../src/providers/shops.ts'
import { createMemoryAccountStore } from '../../src/purchase/accounts.ts'
import { waitUntilActive } from '../../src/purchase/activate.ts'
import { foldJournal } from '../../src/purchase/journal.ts'
import { purchase } from '../../src/purchase/purchase.ts'
import { createFixedRateSource } from '../../src/rates.ts'
import { paymentWalletFrom } from '../../src/wallet-port.ts'
import { createWhmcsDriver } from '../../src/whmcs/driver.ts'
import { createSshRootPasswordChanger, startProviders, type RunningProviders } from '../support/world.ts'
import { DAY_MS, SCALE, startHarness, type Harness } from './world-harness.ts'

describe('cloudomate buys from every world shop', () => {
  let h: Harness
  let shops: RunningProviders

  beforeAll(async () => {
    h = await startHarness('cloudomate-whmcs-')
    shops = await startProviders(
      {
        chain: h.chain,
        provisioner: h.provisioner,
        clock: h.worldClock,
        log: h.log,
        passwords: createSshRootPasswordChanger(),
      },
      {
        host: '127.0.0.1',
        quirks: false,
        api: false,
        invoiceExpiryMs: 20 * DAY_MS,
        pollIntervalMs: SCALE * 100,
        // Long enough that a loaded machine does not end the lease mid-test (60 days = 30 real s).
        monthMs: 3_600 * DAY_MS,
      },
    )
  })

  afterAll(async () => {
    await shops?.stop()
    await h?.stop()
  })

  it('pays each shop once from the wallet, waits until active, and logs into the server', async () => {
    const clock = createSystemClock()
    const rng = createCryptoRng()
    const wallet = h.openWallet()
    await h.chain.faucet((await wallet.receiveAddress()).address, 100_000_000n)
    await h.mine()
    const journal = createFileJournalStore(`${h.dir}/journal.jsonl`)
    const accounts = createMemoryAccountStore()
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
    for (const running of shops.providers) {
      const config = WORLD_SHOPS.find((s) => s.name === running.name)!
      const driver = createWhmcsDriver({ ...config, baseUrl: running.url })
      const ctx = { session: h.newSession(), network: wallet.network, clock, rng, log: h.log }
      const options = await driver.options(ctx)
      expect(options.length).toBeGreaterThan(0)
      const settings = generateIdentity(rng)
      const outcome = await purchase(deps, {
        driver,
        option: options[0]!,
        settings,
        policy: { tolerancePct: 3, maxSats: 1_000_000n },
      })
      expect(outcome.kind, running.name).toBe('paid')
      const account = (await accounts.load(outcome.purchaseId))!
      const config_ = await waitUntilActive(deps, driver, account, {
        firstDelayMs: 200,
        maxDelayMs: 1_000,
        timeoutMs: 90_000,
      })
      expect(config_.ip).toMatch(/^10\.77\./)
      expect(config_.rootPassword).toBeDefined()
      const result = await sshExec(
        { host: config_.ip, username: 'root', password: config_.rootPassword! },
        'hostname',
      )
      expect(result.stdout.trim(), running.name).toBe(settings.hostname)
    }
    const records = [...foldJournal(await journal.readAll()).values()]
    expect(records.map((r) => r.state)).toEqual(['active', 'active', 'active', 'active'])
    // Paid exactly once per shop.
    const paidTo = wallet.history().payments.map((p) => p.toAddress)
    expect(new Set(paidTo).size).toBe(4)
    expect(paidTo.length).toBe(4)
  })
})
