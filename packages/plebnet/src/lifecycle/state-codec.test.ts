import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseLifecycle, serializeLifecycle } from './state-codec.ts'
import { initialLifecycle } from './state.ts'
import { decideTick } from './tick.ts'

const POLICY = {
  sweepBeforeMs: 0,
  stopBuyingBeforeMs: 0,
  maxInstallAttempts: 1,
  dowryPercent: 0n,
  maxProviderFailures: 1,
  feeReserveSats: 0n,
}

describe('lifecycle state codec', () => {
  it('round-trips a state with bigint prices', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (priceSats, nowMs) => {
          const step = decideTick(
            initialLifecycle(nowMs, 1000),
            {
              nowMs,
              spendableSats: priceSats + 10n,
              chosen: { provider: 'p', option: 'o', priceSats },
              hasHeir: false,
            },
            {
              sweepBeforeMs: 0,
              stopBuyingBeforeMs: 0,
              maxInstallAttempts: 1,
              dowryPercent: 0n,
              maxProviderFailures: 1,
              feeReserveSats: 0n,
            },
          )
          expect(parseLifecycle(serializeLifecycle(step.state))).toEqual(step.state)
        },
      ),
    )
  })

  it('round-trips an item with its VPN at every stage', () => {
    const step = decideTick(
      initialLifecycle(0, 1_000_000),
      {
        nowMs: 0,
        spendableSats: 100_000n,
        chosen: {
          provider: 'twosync',
          option: 'tProxmox S',
          priceSats: 9_500n,
          vpn: { provider: 'mullvad', option: 'Mullvad VPN, 1 month', priceSats: 10_000n },
        },
        hasHeir: false,
      },
      POLICY,
    )
    const item = step.state.items[0]
    if (item?.vpn === undefined) throw new Error('no VPN planned')
    for (const stage of ['planned', 'buying', 'paid', 'ready', 'failed'] as const) {
      const state = {
        ...step.state,
        items: [{ ...item, vpn: { ...item.vpn, stage, txid: stage === 'planned' ? null : 'f'.repeat(64) } }],
      }
      expect(parseLifecycle(serializeLifecycle(state))).toEqual(state)
    }
  })

  it('loads a state written before VPNs were bought (items without a "vpn" key)', () => {
    const old =
      '{"version":1,"birthMs":0,"expirationMs":1000,"items":[{"id":"p0","provider":"bluecloud",' +
      '"option":"KVM Basic","priceSats":"7000","stage":"bought","purchaseId":"x","txid":"' +
      'a'.repeat(64) +
      '","ip":null,"leaseEndMs":null,"childTree":null,"childIndex":null,"attempts":0,"nextTryMs":5,"sinceMs":5}],' +
      '"excludedProviders":[],"providerFailures":{"bluecloud":0},"heirPaid":false,"heirSweeps":0,' +
      '"handOverFloorSats":"0","events":[]}'
    const state = parseLifecycle(old)
    expect(state.items[0]).not.toHaveProperty('vpn')
    expect(state.items[0]?.priceSats).toBe(7000n)
    // Its server is activated and installed as before: no VPN step.
    expect(
      decideTick(state, { nowMs: 10, spendableSats: 0n, chosen: undefined, hasHeir: false }, POLICY).effect,
    ).toEqual({ kind: 'check-active', itemId: 'p0' })
    expect(serializeLifecycle(state)).not.toContain('"vpn"')
  })

  it('refuses a VPN with an unknown stage or key', () => {
    const base = JSON.parse(
      serializeLifecycle(
        decideTick(
          initialLifecycle(0, 1000),
          {
            nowMs: 0,
            spendableSats: 100n,
            chosen: {
              provider: 'p',
              option: 'o',
              priceSats: 1n,
              vpn: { provider: 'v', option: 'm', priceSats: 1n },
            },
            hasHeir: false,
          },
          POLICY,
        ).state,
      ),
    ) as { items: { vpn: Record<string, unknown> }[] }
    for (const vpn of [{ stage: 'lost' }, { extra: 1 }, { priceSats: '-1' }]) {
      const bad = { ...base, items: base.items.map((i) => ({ ...i, vpn: { ...i.vpn, ...vpn } })) }
      expect(() => parseLifecycle(JSON.stringify(bad))).toThrow(
        expect.objectContaining({ code: 'LIFECYCLE_STATE_MALFORMED' }),
      )
    }
  })

  it('refuses a damaged state with LIFECYCLE_STATE_MALFORMED', () => {
    expect(() => parseLifecycle('{"version":1}')).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE_STATE_MALFORMED' }),
    )
    expect(() => parseLifecycle('not json')).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE_STATE_MALFORMED' }),
    )
  })

  it('refuses a "__proto__" key in providerFailures instead of dropping it (found by the fuzz suite)', () => {
    const state = JSON.parse(serializeLifecycle(initialLifecycle(0, 1000))) as Record<string, unknown>
    const text = JSON.stringify(state).replace(
      '"providerFailures":{}',
      '"providerFailures":{"__proto__":{"polluted":true}}',
    )
    expect(text).toContain('__proto__')
    expect(() => parseLifecycle(text)).toThrow(expect.objectContaining({ code: 'LIFECYCLE_STATE_MALFORMED' }))
  })
})
