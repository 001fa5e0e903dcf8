import { describe, expect, it } from 'vitest'
import { createMemoryLogger, createSeededRng, createVirtualClock } from '@dolly/base'
import type { HttpServiceFactory } from './adapters/serve-provider.ts'
import { standardShops } from './catalog.ts'
import { startProviders } from './standard.ts'
import { createMemoryChain, createMemoryProvisioner } from './test-kit.ts'

describe('the standard provider set', () => {
  it('starts four shops that differ in template, gateway, cookie and configoption ids, plus two API providers', async () => {
    let opened = 0
    let closed = 0
    const serve: HttpServiceFactory = async (services) =>
      services.map(() => {
        opened++
        return { url: `http://p${opened}.test`, port: opened, close: async () => void closed++ }
      })
    const clock = createVirtualClock(0)
    const running = await startProviders(
      {
        chain: createMemoryChain(),
        provisioner: createMemoryProvisioner(),
        clock,
        log: createMemoryLogger(),
        rng: createSeededRng(1),
        serve,
      },
      { host: '127.0.0.1' },
    )
    const infos = running.providers.map((p) => p.info())
    expect(infos.map((i) => i.name)).toEqual(['bluecloud', 'crownhost', 'pulsevps', 'twosync'])
    expect(new Set(infos.map((i) => i.gateway)).size).toBe(4)
    expect(new Set(infos.map((i) => i.template))).toEqual(new Set(['six', 'lagom']))
    expect(infos.every((i) => i.quirks.length > 0)).toBe(true)
    expect(running.apiProviders.map((p) => p.kind)).toEqual(['sporestack', 'bitlaunch'])
    const shops = standardShops({ quirks: false })
    expect(new Set(shops.map((s) => s.cookieName)).size).toBe(4)
    const optionIds = shops.map((s) => s.configOptions.map((o) => o.id).join(','))
    expect(new Set(optionIds).size).toBe(4)
    // Every shop opens a shop and a gateway socket, every API provider one.
    expect(opened).toBe(10)
    await running.stop()
    await running.stop()
    expect(closed).toBe(10)
  })
})
