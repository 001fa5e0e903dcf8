/**
 * The VPN effects over a real wallet (memory chain), a real purchase journal file and a scripted VPN
 * provider: pricing only with TUN/TAP and `vpn.host`, one payment however often the effect is
 * replayed, a journaled payment adopted after a crash, the activation poll, and the WireGuard file
 * the SSH installer hands to create-child.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createMemoryLogger,
  createSeededRng,
  createVirtualClock,
  noCheckpoint,
  type VirtualClock,
} from '@dolly/base'
import {
  CloudomateError,
  createFileJournalStore,
  createFixedRateSource,
  createHttpSession,
  createMemoryAccountStore,
  paymentWalletFrom,
  type ServiceState,
  type VpnDriver,
  type VpnOption,
  type VpsOption,
} from '@dolly/cloudomate'
import {
  createMemoryChain,
  createWallet,
  deriveAccount,
  deriveAddress,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
} from '@dolly/wallet'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeAgentRecord } from '../../daemon/adapters/agent-home.ts'
import {
  initialLifecycle,
  type LifecycleState,
  type PurchaseItem,
  type VpnPurchase,
} from '../../lifecycle/state.ts'
import { childVpnArgs } from '../adapters/ssh-installer.ts'
import { childWireguard, priceVpn, runVpnEffect, vpnInstallFailure, type VpnPorts } from './vpn.ts'

const world = networkParams('world')
const NOW = 1_800_000_000_000
const agentRoot = mnemonicToRoot(
  'legal winner thank year wave sausage worth useful legal winner thank yellow',
  world,
)
const providerAddress = deriveAddress(
  deriveAccount(
    mnemonicToRoot('letter advice cage absurd amount doctor acoustic avoid letter advice cage above', world),
    world,
  ),
  world,
  0,
  0,
).address
const MONTH: VpnOption = {
  provider: 'mullvad',
  id: '1month',
  name: 'Mullvad VPN, 1 month',
  protocol: 'wireguard',
  price: { cents: 500n, currency: 'USD', period: 'month' },
  bandwidthGB: null,
  speedMbit: null,
}
const PLAN = { tunTap: true } as const

/** A scripted VPN provider: sells one month for 5,000 sats, active once `paidUp` is set. */
function fakeProvider() {
  const calls = { orders: 0, configurations: 0 }
  const script = { paidUp: false, orderFails: false }
  const driver: VpnDriver = {
    name: 'mullvad',
    website: 'test',
    gatewayFeePercent: 0,
    requiredSettings: () => [],
    options: async () => [MONTH],
    order: async () => {
      calls.orders++
      if (script.orderFails) throw new CloudomateError('CLOUDOMATE_API_ERROR', 'sign-up refused', {})
      return {
        quote: {
          gateway: 'mullvad',
          address: providerAddress,
          amountSats: 5_000n,
          invoiceId: `account-${calls.orders}`,
          invoiceUrl: 'http://vpn.test/en/account/bitcoin/',
        },
        data: { accountNumber: '1234567890123456' },
      }
    },
    state: async (): Promise<ServiceState> =>
      script.paidUp ? { kind: 'active', ip: '' } : { kind: 'pending', status: 'waiting for the payment' },
    configuration: async (_ctx, account) => {
      calls.configurations++
      return {
        config: {},
        data: {
          wgPrivateKey: 'cHJpdmF0ZWtleXByaXZhdGVrZXlwcml2YXRla2V5MDA=',
          wgPublicKey: 'pub',
          wgAddresses: '10.99.0.2/32',
          wgPeerPublicKey: 'cGVlcmtleXBlZXJrZXlwZWVya2V5cGVlcmtleTAwMDA=',
          wgEndpoint: '10.77.1.9:51820',
          wgAllowedIps: '0.0.0.0/0',
          account: account.purchaseId,
        },
      }
    },
  }
  return { driver, calls, script }
}

let home: string
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'vpn-effect-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

async function agentPorts(
  clock: VirtualClock,
  driver: VpnDriver,
): Promise<VpnPorts & { readonly chain: ReturnType<typeof createMemoryChain> }> {
  const log = createMemoryLogger()
  const chain = createMemoryChain({ network: world })
  const wallet = createWallet(
    { chain, store: openSqliteWalletStore(':memory:'), clock, logger: log },
    { network: world, account: deriveAccount(agentRoot, world), maxFeePercent: 100n },
  )
  const address = await wallet.receiveAddress()
  chain.fund(Buffer.from(address.script).toString('hex'), 50_000_000n)
  chain.mine(1)
  const journal = createFileJournalStore(join(home, 'purchase_journal.jsonl'), log)
  const accounts = createMemoryAccountStore()
  const rng = createSeededRng('vpn')
  return {
    chain,
    wallet,
    clock,
    network: world,
    rng,
    log,
    store: { journal, accounts },
    providers: {
      drivers: new Map(),
      vpnDrivers: new Map([[driver.name, driver]]),
      purchase: {
        wallet: paymentWalletFrom(wallet),
        journal,
        accounts,
        rates: createFixedRateSource(clock, { USD: 1000n }),
        clock,
        rng,
        log,
        newSession: () =>
          createHttpSession({ send: async () => Promise.reject(new Error('no network')), clock, rng }),
        network: world,
        checkpoint: noCheckpoint,
      },
    },
  }
}

/** `vpn.host` of the agent's options. */
const host = (vpnHost: string | undefined) => ({ vpnHost })

function withVpn(vpn: Partial<VpnPurchase>): { state: LifecycleState; item: PurchaseItem } {
  const item: PurchaseItem = {
    id: 'p0',
    provider: 'twosync',
    option: 'tProxmox S',
    priceSats: 9_500n,
    stage: 'bought',
    purchaseId: null,
    txid: 'a'.repeat(64),
    ip: '10.77.1.20',
    leaseEndMs: null,
    childTree: null,
    childIndex: null,
    attempts: 0,
    nextTryMs: NOW,
    sinceMs: NOW - 1_000,
    vpn: {
      provider: 'mullvad',
      option: MONTH.name,
      priceSats: 10_000n,
      stage: 'buying',
      purchaseId: null,
      txid: null,
      sinceMs: NOW - 500,
      polls: 0,
      error: null,
      ...vpn,
    },
  }
  return { state: { ...initialLifecycle(NOW - 86_400_000, 30 * 86_400_000), items: [item] }, item }
}

describe('priceVpn', () => {
  it('prices the first option of vpn.host with the fee reserve, only for a plan with TUN/TAP', async () => {
    const { driver } = fakeProvider()
    const ports = await agentPorts(createVirtualClock(NOW), driver)
    expect(await priceVpn(ports, host('mullvad'), PLAN as unknown as VpsOption)).toEqual({
      provider: 'mullvad',
      option: MONTH.name,
      priceSats: 10_000n,
    })
    expect(await priceVpn(ports, host('mullvad'), { tunTap: false } as unknown as VpsOption)).toBeUndefined()
    expect(await priceVpn(ports, host('mullvad'), undefined)).toBeUndefined()
  })

  it('buys no VPN when vpn.host is empty, and logs a vpn.host no provider answers to', async () => {
    const { driver } = fakeProvider()
    const ports = await agentPorts(createVirtualClock(NOW), driver)
    expect(await priceVpn(ports, host(undefined), PLAN as unknown as VpsOption)).toBeUndefined()
    expect(await priceVpn(ports, host('azirevpn'), PLAN as unknown as VpsOption)).toBeUndefined()
    const log = ports.log as ReturnType<typeof createMemoryLogger>
    expect(log.entries.some((r) => r.event === 'tick.vpn_provider_unknown')).toBe(true)
  })
})

describe('runVpnEffect', () => {
  it('pays the VPN once: a replay after the payment adopts the journaled purchase', async () => {
    const { driver, calls, script } = fakeProvider()
    const ports = await agentPorts(createVirtualClock(NOW), driver)
    const { state, item } = withVpn({})
    const bought = await runVpnEffect(ports, state, item, 'buy-vpn')
    expect(bought).toMatchObject({ kind: 'vpn-bought', itemId: 'p0' })
    if (bought.kind !== 'vpn-bought') throw new Error('not bought')
    // The outcome was lost (a crash): the same effect again finds the payment in the journal.
    expect(await runVpnEffect(ports, state, item, 'buy-vpn')).toEqual(bought)
    expect(calls.orders).toBe(1)
    // Polls: pending until the provider credits the payment, then the WireGuard key is kept.
    const paid = withVpn({ stage: 'paid', purchaseId: bought.purchaseId, txid: bought.txid })
    expect(await runVpnEffect(ports, paid.state, paid.item, 'check-vpn')).toMatchObject({
      kind: 'vpn-pending',
    })
    script.paidUp = true
    expect(await runVpnEffect(ports, paid.state, paid.item, 'check-vpn')).toEqual({
      kind: 'vpn-ready',
      itemId: 'p0',
    })
    expect(await runVpnEffect(ports, paid.state, paid.item, 'check-vpn')).toEqual({
      kind: 'vpn-ready',
      itemId: 'p0',
    })
    expect(calls.configurations).toBe(1)
    const journal = await readFile(join(home, 'purchase_journal.jsonl'), 'utf8')
    expect(journal).toContain(`"purchaseId":"${bought.purchaseId}","state":"active"`)

    // The install's files: child_<N>_wg.conf (N = the parent's next index), shipped as own_wg.conf.
    await writeAgentRecord(home, {
      format: 'dolly-agent',
      version: 1,
      tree: '0',
      parent: null,
      contacts: [],
      childIndex: 3,
      testnet: false,
      exitNode: false,
      createdAtMs: NOW,
    })
    const ready = withVpn({ stage: 'ready', purchaseId: bought.purchaseId, txid: bought.txid })
    const wireguard = await childWireguard(ports, ready.item)
    expect(wireguard).toBeDefined()
    const target = {
      ip: '10.77.1.20',
      rootPassword: 'pw',
      handover: { state: null, purchase: null, parentAddress: async () => '' },
    } as const
    const args = await childVpnArgs(home, { ...target, ...(wireguard === undefined ? {} : { wireguard }) })
    expect(args).toEqual(['-conf', join(home, 'child_3_wg.conf'), 'own_wg.conf'])
    expect((await stat(join(home, 'child_3_wg.conf'))).mode & 0o777).toBe(0o600)
    const conf = await readFile(join(home, 'child_3_wg.conf'), 'utf8')
    expect(conf).toContain('Endpoint = 10.77.1.9:51820')
    expect(conf).toContain('Address = 10.99.0.2/32')
    // Not ready (failed, or no VPN at all): nothing is handed over.
    expect(await childWireguard(ports, withVpn({ stage: 'failed' }).item)).toBeUndefined()
    expect(await childVpnArgs(home, target)).toEqual([])
  })

  it("waits for the server payment's change to be mined instead of failing the VPN, then pays it", async () => {
    const { driver, calls } = fakeProvider()
    const ports = await agentPorts(createVirtualClock(NOW), driver)
    // The server's payment holds the wallet's only coin until it is mined; its change would pay the VPN.
    await ports.wallet.send({
      to: (await ports.wallet.receiveAddress()).address,
      amountSats: 1_000_000n,
      purpose: 'vps',
    })
    const { state, item } = withVpn({})
    const waiting = await runVpnEffect(ports, state, item, 'buy-vpn')
    expect(waiting).toMatchObject({ kind: 'vpn-unfunded', itemId: 'p0', spendableSats: 0n })
    expect(calls.orders).toBe(0)
    ports.chain.mine(1)
    expect(await runVpnEffect(ports, state, item, 'buy-vpn')).toMatchObject({ kind: 'vpn-bought' })
    expect(calls.orders).toBe(1)
  })

  it('turns a refused sign-up or an unknown provider into vpn-failed, and pays nothing', async () => {
    const { driver, script } = fakeProvider()
    script.orderFails = true
    const ports = await agentPorts(createVirtualClock(NOW), driver)
    const { state, item } = withVpn({})
    expect(await runVpnEffect(ports, state, item, 'buy-vpn')).toMatchObject({
      kind: 'vpn-failed',
      reason: expect.stringContaining('CLOUDOMATE_API_ERROR'),
    })
    const elsewhere = withVpn({ provider: 'azirevpn' })
    expect(await runVpnEffect(ports, elsewhere.state, elsewhere.item, 'buy-vpn')).toMatchObject({
      kind: 'vpn-failed',
      reason: 'no VPN provider azirevpn',
    })
    const journal = await readFile(join(home, 'purchase_journal.jsonl'), 'utf8').catch(() => '')
    expect(journal).not.toContain('"state":"paid"')
  })
})

describe('vpnInstallFailure', () => {
  it('gives the VPN up only when the install carried it and failed at bringing it up', () => {
    const { item } = withVpn({ stage: 'ready' })
    const vpnDown = Object.assign(new Error('tunnel down'), { code: 'REPLICATION_VPN_FAILED' })
    const sshDown = Object.assign(new Error('no route'), { code: 'REPLICATION_SSH_UNREACHABLE' })
    expect(vpnInstallFailure(item, true, vpnDown)).toMatchObject({
      kind: 'vpn-failed',
      itemId: 'p0',
    })
    expect(vpnInstallFailure(item, true, sshDown)).toBeUndefined()
    expect(vpnInstallFailure(item, false, vpnDown)).toBeUndefined()
  })
})
