import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseLifecycle, serializeLifecycle } from './state-codec.ts'
import { initialLifecycle } from './state.ts'
import { decideTick } from './tick.ts'

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
