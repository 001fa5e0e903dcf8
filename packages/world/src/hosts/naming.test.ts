import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isPathInside, networkIndexOfGateway, octetCandidates, planHostSlot, planNetwork } from './naming.ts'

describe('planNetwork', () => {
  it('derives bridge, gateway, subnet and Internet address from the index', () => {
    expect(planNetwork(3)).toEqual({
      index: 3,
      bridge: 'dollybr3',
      gatewayIp: '10.77.3.1',
      subnetCidr: '10.77.3.0/24',
      internetIp: '10.78.3.1',
      prefixLength: 24,
      bridgeMac: '02:64:6f:6c:03:01',
    })
    expect(planNetwork(254).bridgeMac).toBe('02:64:6f:6c:fe:01')
  })

  it('reads the index back from the gateway, and nothing from other addresses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 254 }),
        (i) => networkIndexOfGateway(planNetwork(i).gatewayIp) === i,
      ),
    )
    expect(networkIndexOfGateway('10.77.3.2')).toBeUndefined()
    expect(networkIndexOfGateway('10.77.0.1')).toBeUndefined()
    expect(networkIndexOfGateway('192.168.3.1')).toBeUndefined()
  })
})

describe('planHostSlot', () => {
  it('keeps every link name within IFNAMSIZ (15 characters)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 2, max: 254 }), (i, o) => {
        const slot = planHostSlot(i, o)
        return slot.vethHost.length <= 15 && slot.netns === slot.id && slot.ip === `10.77.${i}.${o}`
      }),
    )
  })
})

describe('octetCandidates', () => {
  it('starts after the last octet handed out and wraps around, covering each octet once', () => {
    expect(octetCandidates(undefined, 2, 6)).toEqual([2, 3, 4, 5, 6])
    expect(octetCandidates(4, 2, 6)).toEqual([5, 6, 2, 3, 4])
    expect(octetCandidates(6, 2, 6)).toEqual([2, 3, 4, 5, 6])
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }), (last) => {
        const all = octetCandidates(last, 2, 254)
        return all.length === 253 && new Set(all).size === 253
      }),
    )
  })
})

describe('isPathInside', () => {
  it('matches the directory itself and what lies below it, not siblings sharing a prefix', () => {
    expect(isPathInside('/var', '/var')).toBe(true)
    expect(isPathInside('/var/lib/dolly', '/var')).toBe(true)
    expect(isPathInside('/variant/x', '/var')).toBe(false)
    expect(isPathInside('/tmp/x', '/var/')).toBe(false)
  })
})
