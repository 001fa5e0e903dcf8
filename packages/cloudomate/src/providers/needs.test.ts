import { describe, expect, it } from 'vitest'
import type { Ini } from '../config.ts'
import { vpsProviderNeeds } from './needs.ts'
import { createVpsRegistry } from './registry.ts'

const ini = (sections: Record<string, Record<string, string>>): Ini =>
  new Map(Object.entries(sections).map(([name, keys]) => [name, new Map(Object.entries(keys))]))

/** Configs covering each provider's rule: nothing set, URLs and tokens set, half a key pair. */
const CONFIGS: readonly Ini[] = [
  ini({}),
  ini({ bluecloud: { url: 'http://10.77.1.1:4001/' }, njalla: { token: 't' } }),
  ini({ bitlaunch: { create_account: '1' }, lunanode: { api_id: 'i' } }),
  ini({ bitlaunch: { token: 't' }, lunanode: { api_id: 'i', api_key: 'k' }, linevast: { url: '' } }),
]

describe('vpsProviderNeeds', () => {
  it("lists the registry's providers, kinds and missing settings without building drivers", () => {
    for (const config of CONFIGS) {
      const registry = createVpsRegistry(config)
      expect(vpsProviderNeeds(config)).toEqual(
        registry.map((e) =>
          e.missing === undefined
            ? { name: e.name, kind: e.kind }
            : { name: e.name, kind: e.kind, missing: e.missing },
        ),
      )
      // A usable entry has its driver, under the provider's own name.
      for (const e of registry) expect(e.driver === undefined).toBe(e.missing !== undefined)
      for (const e of registry) if (e.driver !== undefined) expect(e.driver.name).toBe(e.name)
    }
  })

  it('says what a provider lacks', () => {
    const needs = vpsProviderNeeds(ini({ lunanode: { api_id: 'i' } }))
    expect(needs.find((n) => n.name === 'lunanode')).toEqual({
      name: 'lunanode',
      kind: 'api',
      missing: '[lunanode] api_id, api_key',
    })
    expect(needs.find((n) => n.name === 'sporestack')).toEqual({ name: 'sporestack', kind: 'api' })
    expect(needs.find((n) => n.name === 'bluecloud')?.missing).toBe('[bluecloud] url')
    expect(
      vpsProviderNeeds(ini({ bluecloud: { url: 'http://x/' } })).find((n) => n.name === 'bluecloud'),
    ).toEqual({
      name: 'bluecloud',
      kind: 'whmcs',
    })
  })
})
