import { describe, expect, it } from 'vitest'
import { createMemoryLogger, createSeededRng, createVirtualClock, parseBtc } from '@dolly/base'
import { createNodeWallet } from '../node-wallet.ts'
import { createMemoryChain, createWebClient } from '../test-kit.ts'
import { createMullvad, type VpnEndpointPort } from './mullvad.ts'

const DAY = 86_400_000
const KEY = 'mK1fDvb0Rw3oJ5QAdC4cQkwV1CDnD3nJ8sHcP2eUuW0='

function memoryEndpoint(): VpnEndpointPort & { peers: Map<string, string> } {
  const peers = new Map<string, string>()
  return {
    peers,
    publicKey: 'c2VydmVyLXB1YmxpYy1rZXktZm9yLXRoZS13b3JsZCE=',
    endpoint: '10.77.3.9:51820',
    async addPeer(key) {
      const clientAddress = peers.get(key) ?? `10.99.0.${peers.size + 2}/32`
      peers.set(key, clientAddress)
      return {
        clientAddress,
        peerConfig: {
          publicKey: this.publicKey,
          endpoint: this.endpoint,
          allowedIps: '0.0.0.0/0',
          persistentKeepaliveS: 25,
        },
      }
    },
    async removePeer(key) {
      peers.delete(key)
    },
  }
}

async function setup(captcha: boolean) {
  const clock = createVirtualClock(1_700_000_000_000)
  const chain = createMemoryChain()
  const endpoint = memoryEndpoint()
  const wallet = await createNodeWallet(chain, 'provider-mullvad')
  const vpn = createMullvad(
    { wallet, endpoint, clock, rng: createSeededRng('vpn'), log: createMemoryLogger() },
    { monthSats: 5_000n, confirmations: 1, captcha, accessTokenMs: 3_600_000 },
  )
  const web = createWebClient((request) => vpn.handle(request, { remoteAddress: '10.1.2.3' }))
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await vpn.handle(
      new Request(`http://vpn.test${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
      { remoteAddress: '10.1.2.3' },
    )
    return { status: r.status, body: JSON.parse(await r.text()) as Record<string, unknown> }
  }
  return { clock, chain, endpoint, vpn, web, post }
}

describe('Mullvad-like VPN provider', () => {
  it('creates an account, sells time for bitcoin, registers a WireGuard key and revokes it at expiry', async () => {
    const { clock, chain, endpoint, vpn, web, post } = await setup(false)
    const created = await post('/accounts/v1/accounts', {})
    expect(created.status).toBe(201)
    const number = created.body['number'] as string
    expect(number).toMatch(/^\d{16}$/)
    const early = await web.post('http://vpn.test/wg/', { account: number, pubkey: KEY })
    expect(early.body).toBe('Account has expired')
    await web.post('http://vpn.test/en/account/login/', { account_number: number })
    const page = await web.get('http://vpn.test/en/account/bitcoin/')
    const price = parseBtc(/1 month = ([0-9.]+) BTC/.exec(page.body)![1]!)
    const address = /readonly value="([^"]+)"/.exec(page.body)![1]!
    expect(price).toBe(5_000n)
    chain.pay(address, 10_000n)
    chain.mine(1)
    await vpn.pass()
    const token = (await post('/auth/v1/token', { account_number: number })).body['access_token'] as string
    const me = await vpn.handle(
      new Request('http://vpn.test/accounts/v1/accounts/me', {
        headers: { authorization: `Bearer ${token}` },
      }),
      { remoteAddress: '' },
    )
    expect(JSON.parse(await me.text()).expiry).toBe(new Date(1_700_000_000_000 + 60 * DAY).toISOString())
    const wg = await web.post('http://vpn.test/wg/', { account: number, pubkey: KEY })
    expect(wg.body).toBe('10.99.0.2/32')
    const device = await post('/accounts/v1/devices', { pubkey: KEY }, { authorization: `Bearer ${token}` })
    expect(device.body['peer']).toEqual({
      public_key: endpoint.publicKey,
      endpoint: endpoint.endpoint,
      allowed_ips: '0.0.0.0/0',
      persistent_keepalive: 25,
    })
    expect(endpoint.peers.has(KEY)).toBe(true)
    await clock.advance(60 * DAY)
    await vpn.pass()
    expect(endpoint.peers.has(KEY)).toBe(false)
  })

  it('requires the sign-up captcha when the quirk is on', async () => {
    const { post, vpn } = await setup(true)
    expect((await post('/accounts/v1/accounts', {})).body['code']).toBe('CAPTCHA_REQUIRED')
    const captcha = JSON.parse(
      await (
        await vpn.handle(new Request('http://vpn.test/accounts/v1/captcha'), { remoteAddress: '' })
      ).text(),
    )
    const svg = Buffer.from((captcha.image as string).split(',')[1]!, 'base64').toString()
    const solution = /<text[^>]*>([A-Z0-9]+)<\/text>/.exec(svg)![1]!
    expect(
      (await post('/accounts/v1/accounts', { captcha_id: captcha.id, captcha_solution: 'WRONG1' })).status,
    ).toBe(400)
    // A captcha is single-use, so a wrong answer burns it.
    expect(
      (await post('/accounts/v1/accounts', { captcha_id: captcha.id, captcha_solution: solution })).status,
    ).toBe(400)
    const fresh = JSON.parse(
      await (
        await vpn.handle(new Request('http://vpn.test/accounts/v1/captcha'), { remoteAddress: '' })
      ).text(),
    )
    const freshSolution = /<text[^>]*>([A-Z0-9]+)<\/text>/.exec(
      Buffer.from((fresh.image as string).split(',')[1]!, 'base64').toString(),
    )![1]!
    expect(
      (await post('/accounts/v1/accounts', { captcha_id: fresh.id, captcha_solution: freshSolution })).status,
    ).toBe(201)
  })
})
