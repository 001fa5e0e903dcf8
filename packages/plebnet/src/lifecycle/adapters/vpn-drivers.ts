import { createAzirevpnDriver, createMullvadDriver, type Currency, type VpnDriver } from '@dolly/cloudomate'
import type { AgentConfig } from '../../config/agent-config.ts'

/**
 * The VPN drivers an agent can buy its children's VPN from: cloudomate's Mullvad and AzireVPN
 * drivers, each configured by its section (`[mullvad] url`, `[azirevpn] token`, …) and, on the real
 * Internet, the one `vpn.host` names even without a section (its real endpoint). In a world, the world's Mullvad-like
 * provider (`dolly world status` lists it as `vpn mullvad <url>`) fills in `[mullvad] url` and sells
 * a month in USD at the world's fixed rate.
 */
export function vpnDriversOf(
  config: Pick<AgentConfig, 'vpnHost' | 'vpnProviders' | 'world'>,
): ReadonlyMap<string, VpnDriver> {
  const sections = new Map(config.vpnProviders.map((p) => [p.name, p.settings]))
  // A world has no real endpoints to reach: there only its own VPN provider counts.
  if (config.vpnHost !== undefined && !sections.has(config.vpnHost) && config.world === undefined)
    sections.set(config.vpnHost, new Map())
  const drivers = new Map<string, VpnDriver>()
  for (const [name, settings] of sections) {
    const value = (key: string): string | undefined => {
      const v = settings.get(key) ?? ''
      return v === '' ? undefined : v
    }
    const url = value('url')
    const currency = value('currency') as Currency | undefined
    const common = {
      ...(url === undefined ? {} : { baseUrl: url }),
      ...(currency === undefined ? {} : { currency }),
    }
    if (name === 'mullvad') drivers.set(name, createMullvadDriver(common))
    if (name === 'azirevpn') {
      const token = value('token')
      const location = value('location')
      drivers.set(
        name,
        createAzirevpnDriver({
          ...common,
          ...(token === undefined ? {} : { token }),
          ...(location === undefined ? {} : { location }),
        }),
      )
    }
  }
  return drivers
}
