import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createModel0,
  isKnownPeer,
  model0Accept,
  model0Complete,
  model0Downtime,
  model0Settle,
  MODEL0_DEFAULTS,
} from './model0.ts'

describe('Model 0 golden (ALGORITHMS.md §7)', () => {
  it('admits at t=0, rejects at 15 after 10 units of work, admits again at 20', () => {
    let s = createModel0(0)
    expect(model0Accept(s, 'u1', 0)).toBe(true)
    s = model0Complete(s, 'u1', 10)
    expect(s.tau).toBe(10)
    expect(model0Accept(s, 'u2', 15)).toBe(false)
    expect(model0Accept(s, 'u2', 20)).toBe(true)
  })

  it('moves β to 0.55 on a success and 0.45 on a failure', () => {
    const s = createModel0(0)
    expect(model0Settle(s, 'u', true).beta).toBeCloseTo(0.55, 12)
    expect(model0Settle(s, 'u', false).beta).toBeCloseTo(0.45, 12)
  })

  it('reaches β_min after 22 consecutive failures, not 21', () => {
    let s = createModel0(0)
    for (let i = 0; i < 21; i++) s = model0Settle(s, `sybil${i}`, false)
    expect(s.beta).toBeGreaterThan(0.05)
    s = model0Settle(s, 'sybil21', false)
    expect(s.beta).toBe(0.05)
  })

  it('shifts t0 by downtime', () => {
    expect(model0Downtime(createModel0(0), 100).t0).toBe(100)
  })
})

describe('known peers', () => {
  it('become known after 3 paid interactions, skip the budget, and are demoted on a default', () => {
    let s = createModel0(0)
    for (let i = 0; i < 3; i++) {
      expect(isKnownPeer(s, 'p')).toBe(false)
      s = model0Settle(s, 'p', true)
    }
    expect(isKnownPeer(s, 'p')).toBe(true)
    const betaBefore = s.beta
    s = model0Complete(s, 'p', 1000)
    expect(s.tau).toBe(0)
    expect(model0Accept(s, 'p', 0)).toBe(true)
    s = model0Settle(s, 'p', false)
    expect(s.beta).toBe(betaBefore)
    expect(isKnownPeer(s, 'p')).toBe(false)
  })

  it('refuses parameters out of range with a code', () => {
    expect(() => createModel0(0, { ...MODEL0_DEFAULTS, eta: 1.5 })).toThrow(
      expect.objectContaining({ code: 'PLEBNET_OPTIONS_INVALID' }),
    )
    expect(() => createModel0(0, { ...MODEL0_DEFAULTS, betaMin: 0 })).toThrow(
      expect.objectContaining({ code: 'PLEBNET_OPTIONS_INVALID' }),
    )
  })
})

describe('Sybil bound (property)', () => {
  it('gives unknown peers at most a β share of wall time (plus one job) over any adversarial sequence', () => {
    const step = fc.record({
      wait: fc.double({ min: 0, max: 50, noNaN: true }),
      work: fc.double({ min: 0.001, max: 50, noNaN: true }),
      paid: fc.boolean(),
      identity: fc.integer({ min: 0, max: 1_000_000 }),
    })
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        let s = createModel0(0)
        let now = 0
        let unknownWork = 0
        let maxBeta = s.beta
        let maxWork = 0
        for (const st of steps) {
          now += st.wait
          const peer = `sybil${st.identity}` // fresh identities gain nothing: the budget is shared
          if (!model0Accept(s, peer, now)) continue
          const wasKnown = isKnownPeer(s, peer)
          s = model0Complete(s, peer, st.work)
          now += st.work
          if (!wasKnown) {
            unknownWork += st.work
            maxWork = Math.max(maxWork, st.work)
          }
          s = model0Settle(s, peer, st.paid)
          maxBeta = Math.max(maxBeta, s.beta)
          expect(unknownWork).toBeLessThanOrEqual(maxBeta * now + maxWork + 1e-9)
        }
      }),
    )
  })
})
