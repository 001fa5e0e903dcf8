/**
 * The Mullvad driver against the world's Mullvad-like provider and its real WireGuard endpoint host:
 * account, payment from the wallet, time credited, a WireGuard key registered on the endpoint; and the
 * sign-up captcha quirk as a typed error with no payment.
 */
import { createCryptoRng, createSystemClock, errorCode } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryAccountStore } from '../../src/purchase/accounts.ts'
import { createMemoryJournalStore } from '../../src/purchase/journal.ts'
import { purchase } from '../../src/purchase/purchase.ts'
import { createFixedRateSource } from '../../src/rates.ts'
import { activateVpn } from '../../src/vpn/activate.ts'
import { createMullvadDriver } from '../../src/vpn/mullvad.ts'
import { renderWireguardConfig, wireguardPublicKey } from '../../src/vpn/wireguard.ts'
import { paymentWalletFrom } from '../../src/wallet-port.ts'
import { startVpnEndpoint, startVpnProvider } from '../support/world.ts'
import { makeCliHome, runCli, SCALE, startHarness, type Harness } from './world-harness.ts'

describe('Mullvad-like VPN of the world', () => {
  let h: Harness
  let endpoint: Awaited<ReturnType<typeof startVpnEndpoint>>
  let vpn: Awaited<ReturnType<typeof startVpnProvider>>
  let captchaVpn: Awaited<ReturnType<typeof startVpnProvider>>

  beforeAll(async () => {
    h = await startHarness('cloudomate-vpn-')
    endpoint = await startVpnEndpoint({ provisioner: h.provisioner, log: h.log, rng: createCryptoRng() })
    const deps = { chain: h.chain, endpoint, clock: h.worldClock, log: h.log }
    // Access tokens live an hour of world time: give the CLI's separate processes real seconds.
    vpn = await startVpnProvider(deps, {
      host: '127.0.0.1',
      pollIntervalMs: SCALE * 100,
      accessTokenMs: SCALE * 60_000,
      // A paid month must outlast the test on a loaded machine: ten real minutes of world time.
      monthMs: SCALE * 600_000,
    })
    captchaVpn = await startVpnProvider(deps, {
      name: 'mullvad-captcha',
      host: '127.0.0.1',
      pollIntervalMs: SCALE * 100,
      captcha: true,
    })
  })
  afterAll(async () => {
    await vpn?.stop()
    await captchaVpn?.stop()
    await endpoint?.stop()
    await h?.stop()
  })

  it('buys a month, pays once, and gets a WireGuard config whose key the endpoint knows', async () => {
    // The buyer reads the account's expiry in world time, so it must use the world's clock: with the
    // machine's clock an unpaid account (expiry = world now, far ahead) would look active.
    const clock = h.worldClock
    const rng = createCryptoRng()
    const wallet = h.openWallet()
    await h.chain.faucet((await wallet.receiveAddress()).address, 10_000_000n)
    await h.mine()
    const deps = {
      wallet: paymentWalletFrom(wallet),
      journal: createMemoryJournalStore(),
      accounts: createMemoryAccountStore(),
      rates: createFixedRateSource(clock, { USD: 1000n }),
      clock,
      rng,
      log: h.log,
      newSession: h.newSession,
      network: wallet.network,
    }
    const driver = createMullvadDriver({ baseUrl: vpn.url, currency: 'USD' })
    const ctx = { session: h.newSession(), network: wallet.network, clock, rng, log: h.log }
    const [option] = await driver.options(ctx)
    const outcome = await purchase(deps, {
      driver,
      option: option!,
      settings: {},
      policy: { tolerancePct: 3, maxSats: null },
    })
    expect(outcome.kind).toBe('paid')
    const account = (await deps.accounts.load(outcome.purchaseId))!
    const config = await activateVpn(deps, driver, account, {
      firstDelayMs: 200 * SCALE,
      maxDelayMs: 1_000 * SCALE,
      timeoutMs: 60_000 * SCALE,
    })
    const wg = config.wireguard!
    expect(wg.peer.endpoint).toBe(endpoint.endpoint)
    expect(wg.peer.publicKey).toBe(endpoint.publicKey)
    const ours = wireguardPublicKey(wg.privateKey)
    expect(endpoint.peers().map((p) => p.publicKey)).toContain(ours)
    expect(renderWireguardConfig(wg)).toContain(`Address = ${wg.addresses[0]}`)
    expect(wallet.history().payments.length).toBe(1)
  })

  it('works through the CLI: vpn purchase, then vpn info -o writes a wg-quick file', async () => {
    const { home, env } = await makeCliHome(h, `[mullvad]\nurl = ${vpn.url}\ncurrency = USD`)
    const buy = await runCli(['--home', home, 'vpn', 'purchase', 'mullvad', '-f'], env)
    expect(buy.code, buy.stderr + buy.stdout).toBe(0)
    expect(buy.stdout).toMatch(/Paying 0\.00005 BTC to rltc1/)
    const info = await runCli(['--home', home, 'vpn', 'info', 'mullvad', '-o', `${home}/wg0`], env)
    expect(info.code, info.stderr).toBe(0)
    const { readFile } = await import('node:fs/promises')
    const conf = await readFile(`${home}/wg0.conf`, 'utf8')
    expect(conf).toContain(`Endpoint = ${endpoint.endpoint}`)
    const key = /PrivateKey = (\S+)/.exec(conf)![1]!
    expect(endpoint.peers().map((p) => p.publicKey)).toContain(wireguardPublicKey(key))
  })

  it('reports the sign-up captcha as CLOUDOMATE_CAPTCHA_REQUIRED without paying', async () => {
    const clock = createSystemClock()
    const rng = createCryptoRng()
    const pays: unknown[] = []
    const wallet = h.openWallet('captcha.sqlite')
    const port = { ...paymentWalletFrom(wallet), pay: async (r: unknown) => (pays.push(r), { txid: '' }) }
    const driver = createMullvadDriver({ baseUrl: captchaVpn.url, currency: 'USD' })
    const [option] = await driver.options({
      session: h.newSession(),
      network: wallet.network,
      clock,
      rng,
      log: h.log,
    })
    const code = await purchase(
      {
        wallet: port,
        journal: createMemoryJournalStore(),
        accounts: createMemoryAccountStore(),
        rates: createFixedRateSource(clock, { USD: 1000n }),
        clock,
        rng,
        log: h.log,
        newSession: h.newSession,
      },
      { driver, option: option!, settings: {}, policy: { tolerancePct: 3, maxSats: null } },
    ).then(
      () => 'resolved',
      (err: unknown) => errorCode(err),
    )
    expect(code).toBe('CLOUDOMATE_CAPTCHA_REQUIRED')
    expect(pays).toEqual([])
  })
})
