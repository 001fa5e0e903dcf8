/**
 * The SporeStack and BitLaunch drivers live against the world's SporeStack-like and BitLaunch-like
 * API providers: top-up paid by the wallet, server launched from the balance, active with an IP, and
 * logged into over SSH (SporeStack with our key, BitLaunch with the root password we chose).
 */
import { generateKeyPairSync } from 'node:crypto'
import { createCryptoRng, createSystemClock } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBitlaunchDriver } from '../../src/api/bitlaunch.ts'
import { createSporestackDriver } from '../../src/api/sporestack.ts'
import { sshExec } from '../../src/adapters/ssh.ts'
import { generateIdentity } from '../../src/identity.ts'
import type { VpsDriver } from '../../src/providers/driver.ts'
import { createMemoryAccountStore } from '../../src/purchase/accounts.ts'
import { waitUntilActive } from '../../src/purchase/activate.ts'
import { createMemoryJournalStore } from '../../src/purchase/journal.ts'
import { purchase } from '../../src/purchase/purchase.ts'
import { createFixedRateSource } from '../../src/rates.ts'
import { paymentWalletFrom } from '../../src/wallet-port.ts'
import { createSshRootPasswordChanger, startApiProvider, type RunningApiProvider } from '../support/world.ts'
import { DAY_MS, SCALE, startHarness, type Harness } from './world-harness.ts'

/** An RSA key pair with the public half in OpenSSH `ssh-rsa` format (RFC 4253 §6.6). */
function rsaKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string }
  const mpint = (b64url: string) => {
    let bytes = Buffer.from(b64url, 'base64url')
    if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
    const len = Buffer.alloc(4)
    len.writeUInt32BE(bytes.length)
    return Buffer.concat([len, bytes])
  }
  const type = Buffer.from('ssh-rsa')
  const typeLen = Buffer.alloc(4)
  typeLen.writeUInt32BE(type.length)
  const blob = Buffer.concat([typeLen, type, mpint(jwk.e), mpint(jwk.n)])
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} cloudomate-test`,
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
  }
}

describe('API providers of the world', () => {
  let h: Harness
  const apis: RunningApiProvider[] = []

  beforeAll(async () => {
    h = await startHarness('cloudomate-api-')
    const deps = {
      chain: h.chain,
      provisioner: h.provisioner,
      clock: h.worldClock,
      log: h.log,
      passwords: createSshRootPasswordChanger(),
    }
    for (const kind of ['sporestack', 'bitlaunch'] as const)
      apis.push(
        await startApiProvider(deps, {
          kind,
          host: '127.0.0.1',
          pollIntervalMs: SCALE * 100,
          invoiceExpiryMs: 20 * DAY_MS,
        }),
      )
  })
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.stop()))
    await h?.stop()
  })

  it('buys a SporeStack server and a BitLaunch server, paid once each, and logs into both', async () => {
    const clock = createSystemClock()
    const rng = createCryptoRng()
    const wallet = h.openWallet()
    await h.chain.faucet((await wallet.receiveAddress()).address, 100_000_000n)
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
    const keys = rsaKeyPair()
    const [sporeApi, bitApi] = apis
    const drivers: VpsDriver[] = [
      // Two days: the world's clock runs two days per real second, so the lease outlives the test.
      createSporestackDriver({ baseUrl: sporeApi!.url, days: 60 }),
      createBitlaunchDriver({ baseUrl: `${bitApi!.url}/api`, createAccount: true }),
    ]
    const statuses: string[] = []
    for (const driver of drivers) {
      const options = await driver.options({
        session: h.newSession(),
        network: wallet.network,
        clock,
        rng,
        log: h.log,
      })
      expect(options.length).toBeGreaterThan(0)
      const settings = { ...generateIdentity(rng), ssh_public_key: keys.publicKey }
      const outcome = await purchase(deps, {
        driver,
        option: options[0]!,
        settings,
        policy: { tolerancePct: 3, maxSats: null },
      })
      expect(outcome.kind, driver.name).toBe('paid')
      const account = (await deps.accounts.load(outcome.purchaseId))!
      const config = await waitUntilActive(
        deps,
        driver,
        account,
        { firstDelayMs: 200, maxDelayMs: 1_000, timeoutMs: 60_000 },
        { onPoll: (n, ms, status) => statuses.push(`${driver.name} ${n} ${ms} ${status}`) },
      )
      expect(config.ip, statuses.join('\n')).toMatch(/^10\.77\./)
      const login =
        driver.name === 'sporestack'
          ? { host: config.ip, username: 'root', privateKey: keys.privateKey }
          : { host: config.ip, username: 'root', password: config.rootPassword! }
      expect((await sshExec(login, 'hostname')).exitCode, driver.name).toBe(0)
    }
    expect(wallet.history().payments.length).toBe(2)
  })
})
