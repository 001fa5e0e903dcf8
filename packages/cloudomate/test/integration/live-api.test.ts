/**
 * Opt-in live runs of the read-only calls of the Njalla, LunaNode and AzireVPN drivers, to check the
 * recorded shapes (test/fixtures/api/) against the real services. Skipped unless credentials are named,
 * because CI has no Internet. Nothing here orders, tops up or creates anything.
 */
import { createMemoryLogger, createSystemClock, createCryptoRng } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { createFetchSend } from '../../src/adapters/fetch-send.ts'
import { createLunanodeDriver } from '../../src/api/lunanode.ts'
import { createNjallaDriver } from '../../src/api/njalla.ts'
import { createHttpSession } from '../../src/http/session.ts'
import { createAzirevpnDriver } from '../../src/vpn/azirevpn.ts'

const njallaToken = process.env['DOLLY_LIVE_NJALLA_TOKEN']
const lunaId = process.env['DOLLY_LIVE_LUNANODE_API_ID']
const lunaKey = process.env['DOLLY_LIVE_LUNANODE_API_KEY']
const azireToken = process.env['DOLLY_LIVE_AZIREVPN_TOKEN']

function ctx() {
  const clock = createSystemClock()
  const rng = createCryptoRng()
  return {
    session: createHttpSession({ send: createFetchSend({ timeoutMs: 20_000 }), clock, rng }),
    network: networkParams('bitcoin'),
    clock,
    rng,
    log: createMemoryLogger(),
  }
}

describe.skipIf(njallaToken === undefined)('njalla live (DOLLY_LIVE_NJALLA_TOKEN)', () => {
  it('lists server types priced in EUR', async () => {
    const options = await createNjallaDriver({ token: njallaToken ?? '' }).options(ctx())
    expect(options.length).toBeGreaterThan(0)
    expect(options.every((o) => o.price.cents > 0n)).toBe(true)
  })
})

describe.skipIf(lunaId === undefined || lunaKey === undefined)(
  'lunanode live (DOLLY_LIVE_LUNANODE_API_ID, DOLLY_LIVE_LUNANODE_API_KEY)',
  () => {
    it('accepts our signature and lists plans', async () => {
      const driver = createLunanodeDriver({ apiId: lunaId ?? '', apiKey: lunaKey ?? '' })
      expect((await driver.options(ctx())).length).toBeGreaterThan(0)
    })
  },
)

describe.skipIf(azireToken === undefined)('azirevpn live (DOLLY_LIVE_AZIREVPN_TOKEN)', () => {
  it('reads the account state with the Bearer token', async () => {
    const state = await createAzirevpnDriver({ token: azireToken ?? '' }).state(ctx(), {
      purchaseId: 'live',
      provider: 'azirevpn',
      optionId: '1month',
      settings: {},
      data: {},
    })
    expect(['active', 'pending']).toContain(state.kind)
  })
})
