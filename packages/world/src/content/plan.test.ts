import { describe, expect, it } from 'vitest'
import { planHostSlot, planNetwork } from '../hosts/naming.ts'
import { contentVethOf, planContentLink, planContentNetwork } from './plan.ts'

describe('content network plan', () => {
  it('uses 10.79.<i>.0/24, apart from the hosts subnet and the Internet address of the same world', () => {
    const plan = planContentNetwork(3)
    const world = planNetwork(3)
    expect(plan.subnetCidr).toBe('10.79.3.0/24')
    expect(plan.serverIp).toBe('10.79.3.1')
    expect(world.subnetCidr).not.toBe(plan.subnetCidr)
    expect(world.internetIp.startsWith('10.79.')).toBe(false)
  })

  it('keeps link names within IFNAMSIZ (15) for the largest indexes', () => {
    const plan = planContentNetwork(254)
    for (const name of [plan.bridge, plan.netns, plan.vethServer, planContentLink(254, 254).veth])
      expect(name.length).toBeLessThanOrEqual(15)
  })

  it("derives a host's content link from its slot, so teardown needs no extra record", () => {
    const slot = planHostSlot(7, 42)
    const link = planContentLink(7, 42)
    expect(link.ip).toBe('10.79.7.42')
    expect(contentVethOf(slot.vethHost)).toBe(link.veth)
    expect(contentVethOf('eth0')).toBeUndefined()
  })
})
