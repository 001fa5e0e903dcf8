import { createMullvadDriver, type VpnDriver } from '@dolly/cloudomate'
import type { ShopEndpoint } from '../../config/agent-config.ts'

/**
 * The VPN providers a world agent can buy from: entries of `[world] providers` named after a VPN
 * driver. The world runs a Mullvad-like provider (`dolly world status` lists it as `vpn mullvad
 * <url>`) that sells a month for 5 USD, so its driver prices in USD at the world's fixed rate.
 */
export function worldVpnDrivers(endpoints: readonly ShopEndpoint[]): ReadonlyMap<string, VpnDriver> {
  const drivers = new Map<string, VpnDriver>()
  for (const endpoint of endpoints) {
    if (endpoint.name === 'mullvad')
      drivers.set(endpoint.name, createMullvadDriver({ baseUrl: endpoint.url, currency: 'USD' }))
  }
  return drivers
}
