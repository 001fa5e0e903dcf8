import { describe, expect, it } from 'vitest'
import { readAgentConfig } from '../../config/agent-config.ts'
import { vpnDriversOf } from './vpn-drivers.ts'

const WORLD = `[world]
chain_backend = http://u:p@10.77.0.1:18443/
providers = twosync=http://10.77.0.2:8080/,mullvad=http://10.77.0.3:8080/
time_scale = 60
epoch_real_ms = 0
epoch_world_ms = 0
`

describe('vpnDriversOf', () => {
  it('has no VPN driver when vpn.host is emptied and no VPN section is set', () => {
    expect([...vpnDriversOf(readAgentConfig('[vpn]\nhost =\n', {})).keys()]).toEqual([])
    // The default host is Mullvad (AGENT.md §4 `vpn.host`).
    expect([...vpnDriversOf(readAgentConfig('', {})).keys()]).toEqual(['mullvad'])
  })

  it('builds the driver vpn.host names in real mode, from its section or at its real endpoint', () => {
    expect([...vpnDriversOf(readAgentConfig('[vpn]\nhost = Mullvad\n', {})).keys()]).toEqual(['mullvad'])
    const config = readAgentConfig(
      '[vpn]\nhost = azirevpn\n[azirevpn]\nurl = http://vpn.example/\ntoken = t0k\nlocation = se-sto\n',
      {},
    )
    expect(config.vpnProviders).toEqual([
      {
        name: 'azirevpn',
        settings: new Map([
          ['url', 'http://vpn.example/'],
          ['token', 't0k'],
          ['location', 'se-sto'],
        ]),
      },
    ])
    expect(vpnDriversOf(config).get('azirevpn')?.name).toBe('azirevpn')
  })

  it("fills in the world's Mullvad-like provider by URL, priced in USD", () => {
    const config = readAgentConfig(WORLD, {})
    expect(config.vpnProviders).toEqual([
      {
        name: 'mullvad',
        settings: new Map([
          ['url', 'http://10.77.0.3:8080/'],
          ['currency', 'USD'],
        ]),
      },
    ])
    expect([...vpnDriversOf(config).keys()]).toEqual(['mullvad'])
  })

  it("uses no real endpoint in a world: without the world's VPN provider there is no VPN driver", () => {
    const shopsOnly = WORLD.replace(',mullvad=http://10.77.0.3:8080/', '')
    const config = readAgentConfig(shopsOnly, {})
    expect(config.vpnHost).toBe('mullvad')
    expect([...vpnDriversOf(config).keys()]).toEqual([])
  })

  it('rejects a VPN section with a bad URL or currency, naming it', () => {
    expect(() => readAgentConfig('[mullvad]\nurl = ftp://x/\n', {})).toThrow(/\[mullvad\] url/)
    expect(() => readAgentConfig('[mullvad]\ncurrency = BTC\n', {})).toThrow(/\[mullvad\] currency/)
  })
})
