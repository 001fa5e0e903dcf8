import { afterEach, describe, expect, it } from 'vitest'
import { parseBtc } from '@dolly/base'
import { startInProcessApiProvider } from '../test-kit.ts'

const DAY = 86_400_000
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl agent@child'
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()))
})

function bip21(uri: string): { address: string; sats: bigint } {
  const m = /^bitcoin:([a-z0-9]+)\?amount=([0-9.]+)$/.exec(uri)
  expect(m).not.toBeNull()
  return { address: m![1]!, sats: parseBtc(m![2]!) }
}

describe('SporeStack-like API', () => {
  it('tops up a token by BIP21, launches a server for N days with the SSH key, and deletes it when the days run out', async () => {
    const kit = await startInProcessApiProvider({ kind: 'sporestack' })
    stops.push(() => kit.provider.stop())
    const token = 'a'.repeat(8) + '0123456789abcdef'
    const flavors = await kit.call('GET', '/flavors')
    expect(Object.keys(flavors.body!['flavors'] as object)).toContain('vps-1vcpu-1gb')
    const add = await kit.call('POST', `/token/${token}/add`, { currency: 'btc', dollars: 10 })
    const payment = add.body!['payment'] as { uri: string; paid: boolean; usd: string }
    expect(payment.usd).toBe('$10.00')
    const { address, sats } = bip21(payment.uri)
    expect(sats).toBe(10_000n)
    const early = await kit.call('POST', `/token/${token}/servers`, {
      days: 2,
      flavor: 'vps-1vcpu-1gb',
      ssh_key: KEY,
      operating_system: 'debian-12',
      hostname: 'spore',
    })
    expect(early.status).toBe(402)
    kit.chain.pay(address, sats)
    kit.chain.mine(1)
    expect((await kit.call('GET', `/token/${token}/balance`)).body).toEqual({ cents: 1000, usd: '$10.00' })
    const launch = await kit.call('POST', `/token/${token}/servers`, {
      days: 2,
      flavor: 'vps-1vcpu-1gb',
      ssh_key: KEY,
      operating_system: 'debian-12',
      hostname: 'spore',
    })
    expect(launch.status).toBe(200)
    const id = launch.body!['machine_id'] as string
    expect((await kit.call('GET', `/token/${token}/balance`)).body!['cents']).toBe(950)
    await kit.clock.advance(60_000)
    await kit.provider.pass()
    await Promise.resolve()
    const info = await kit.call('GET', `/token/${token}/servers/${id}`)
    expect(info.body!['running']).toBe(true)
    const ip = info.body!['ipv4'] as string
    expect(kit.hostAccess.keys.get(ip)).toEqual([KEY])
    expect(info.body!['expiration']).toBe(Math.floor((1_700_000_000_000 + 2 * DAY) / 1000))
    expect((await kit.call('GET', `/token/other-token-000000/servers/${id}`)).status).toBe(404)
    await kit.clock.advance(2 * DAY)
    await kit.provider.pass()
    await Promise.resolve()
    const gone = await kit.call('GET', `/token/${token}/servers/${id}`)
    expect(gone.body!['deleted']).toBe(true)
    expect(kit.provisioner.live()).toHaveLength(0)
  })

  it('rejects malformed tokens and launch requests as user errors', async () => {
    const kit = await startInProcessApiProvider({ kind: 'sporestack' })
    stops.push(() => kit.provider.stop())
    expect((await kit.call('GET', '/token/short/balance')).status).toBe(400)
    const bad = await kit.call('POST', '/token/aaaaaaaaaaaaaaaaaaaa/servers', {
      days: 0,
      flavor: 'x',
      ssh_key: 'nope',
      operating_system: 'debian-12',
    })
    expect(bad.status).toBe(422)
  })
})

describe('BitLaunch-like API', () => {
  it('creates a server from a crypto top-up and deletes it when the balance runs out', async () => {
    const kit = await startInProcessApiProvider({ kind: 'bitlaunch' })
    stops.push(() => kit.provider.stop())
    const account = await kit.call('POST', '/api/accounts', { email: 'agent@example.org' })
    const auth = { authorization: `Bearer ${account.body!['token'] as string}` }
    expect((await kit.call('GET', '/api/user')).status).toBe(401)
    const tx = await kit.call(
      'POST',
      '/api/transactions',
      { amountUsd: 5, cryptoSymbol: 'BTC', lightningNetwork: false },
      auth,
    )
    expect(tx.status).toBe(201)
    expect(tx.body!['status']).toBe('Pending')
    const options = await kit.call('GET', '/api/hosts-create-options/4', undefined, auth)
    const size = (options.body!['size'] as { id: string; costPerMonth: number }[])[0]!
    const request = {
      server: {
        name: 'launchy',
        hostID: 4,
        HostImageID: '10001',
        sizeID: size.id,
        regionID: 'world-1',
        sshKeys: [],
        password: 'LaunchPassw0rd',
      },
    }
    expect((await kit.call('POST', '/api/servers', request, auth)).status).toBe(402)
    kit.chain.pay(tx.body!['address'] as string, parseBtc(tx.body!['amountCrypto'] as string))
    kit.chain.mine(1)
    const paid = await kit.call('GET', `/api/transactions/${tx.body!['id'] as string}`, undefined, auth)
    expect(paid.body!['status']).toBe('Confirmed')
    expect((await kit.call('GET', '/api/user', undefined, auth)).body!['balance']).toBe(500)
    const created = await kit.call('POST', '/api/servers', request, auth)
    expect(created.status).toBe(201)
    await kit.clock.advance(60_000)
    await kit.provider.pass()
    await Promise.resolve()
    const server = await kit.call('GET', `/api/servers/${created.body!['id'] as string}`, undefined, auth)
    expect(server.body!['status']).toBe('ok')
    expect(kit.provisioner.live()[0]!.rootPassword).toBe('LaunchPassw0rd')
    // $7.30 a month is one cent an hour: $5.00 lasts 500 hours.
    await kit.clock.advance(499 * 3_600_000)
    await kit.provider.pass()
    expect(kit.provisioner.live()).toHaveLength(1)
    await kit.clock.advance(2 * 3_600_000)
    await kit.provider.pass()
    await Promise.resolve()
    expect(kit.provisioner.live()).toHaveLength(0)
    const after = await kit.call('GET', `/api/servers/${created.body!['id'] as string}`, undefined, auth)
    expect(after.body!['status']).toBe('deleted')
  })
})
