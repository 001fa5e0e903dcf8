import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  allocateClientAddress,
  parseTunnelSubnet,
  parseWireGuardKey,
  renderWgQuickConfig,
} from './tunnel-plan.ts'

// A key printed by `wg genkey | wg pubkey` on this machine.
const KEY = 'Lc9UfC2QgWeTPx6pfbvVHKThDEC/gzyb2PH/VHUfdw4='

describe('parseTunnelSubnet', () => {
  it('reads the server address as the first host of the subnet', () => {
    expect(parseTunnelSubnet('10.99.0.0/24')).toMatchObject({ serverIp: '10.99.0.1', prefixLength: 24 })
  })

  it.each(['10.99.0.1/24', '10.99.0.0', '10.99.0.0/8', '10.99.0.0/30', '300.1.1.0/24', '10.99.0.0/24/1'])(
    'refuses %s',
    (cidr) => {
      expect(() => parseTunnelSubnet(cidr)).toThrow(
        expect.objectContaining({ code: 'WORLD_VPN_INVALID_OPTION' }),
      )
    },
  )
})

describe('allocateClientAddress', () => {
  it('hands out .2 first and skips taken addresses', () => {
    const subnet = parseTunnelSubnet('10.99.0.0/24')
    expect(allocateClientAddress(subnet, new Set())).toBe('10.99.0.2/32')
    expect(allocateClientAddress(subnet, new Set(['10.99.0.2/32', '10.99.0.3/32']))).toBe('10.99.0.4/32')
  })

  it('never hands out the network, server or broadcast address, and runs out after the last host', () => {
    const subnet = parseTunnelSubnet('10.99.0.0/29')
    const taken = new Set<string>()
    for (;;) {
      const next = allocateClientAddress(subnet, taken)
      if (next === undefined) break
      taken.add(next)
    }
    expect([...taken]).toEqual([
      '10.99.0.2/32',
      '10.99.0.3/32',
      '10.99.0.4/32',
      '10.99.0.5/32',
      '10.99.0.6/32',
    ])
  })

  it('always returns an address inside the subnet that was not taken', () => {
    const subnet = parseTunnelSubnet('10.98.4.0/24')
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 2, max: 254 }), { maxLength: 253 }), (octets) => {
        const taken = new Set(octets.map((o) => `10.98.4.${o}/32`))
        const next = allocateClientAddress(subnet, taken)
        if (taken.size === 253) return next === undefined
        return next !== undefined && !taken.has(next) && /^10\.98\.4\.(\d+)\/32$/.test(next)
      }),
    )
  })
})

describe('parseWireGuardKey', () => {
  it('accepts a key as wg prints it', () => {
    expect(parseWireGuardKey(KEY)).toBe(KEY)
  })

  it.each([KEY.slice(1), `${KEY.slice(0, 42)}B=`, KEY.replace('=', ''), 42, `${KEY}\n`])(
    'refuses %j',
    (key) => {
      expect(() => parseWireGuardKey(key)).toThrow(expect.objectContaining({ code: 'WORLD_VPN_INVALID_KEY' }))
    },
  )
})

describe('renderWgQuickConfig', () => {
  it('writes a wg-quick file routing everything through the endpoint', () => {
    const text = renderWgQuickConfig(
      { privateKey: KEY, address: '10.99.0.2/32' },
      { publicKey: KEY, endpoint: '10.77.3.2:51820', allowedIps: '0.0.0.0/0', persistentKeepaliveS: 25 },
    )
    expect(text).toMatchInlineSnapshot(`
      "[Interface]
      PrivateKey = Lc9UfC2QgWeTPx6pfbvVHKThDEC/gzyb2PH/VHUfdw4=
      Address = 10.99.0.2/32

      [Peer]
      PublicKey = Lc9UfC2QgWeTPx6pfbvVHKThDEC/gzyb2PH/VHUfdw4=
      AllowedIPs = 0.0.0.0/0
      Endpoint = 10.77.3.2:51820
      PersistentKeepalive = 25
      "
    `)
  })

  it('adds PostUp routes for destinations on connected subnets that must still use the tunnel', () => {
    const text = renderWgQuickConfig(
      { privateKey: KEY, address: '10.99.0.2/32', routeViaTunnel: ['10.77.3.1/32'] },
      { publicKey: KEY, endpoint: '10.77.3.2:51820', allowedIps: '0.0.0.0/0', persistentKeepaliveS: 25 },
    )
    expect(text).toContain('Address = 10.99.0.2/32\nPostUp = ip -4 route add 10.77.3.1/32 dev %i\n\n[Peer]')
  })
})
