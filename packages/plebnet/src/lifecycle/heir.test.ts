import { describe, expect, it } from 'vitest'
import { anyHeir, heirSources, pickHeir, type HeirCandidate } from './heir.ts'
import { initialLifecycle, type LifecycleState, type PurchaseItem } from './state.ts'

const child = (tree: string, alive: boolean): HeirCandidate => ({ tree, address: `addr-${tree}`, alive })
const parent = (alive: boolean): HeirCandidate => ({ tree: 'dolly.0', address: 'addr-parent', alive })

describe('pickHeir', () => {
  it('prefers the newest child that answers', () => {
    expect(pickHeir([child('a.0', true), child('a.1', true)], parent(true), 'global')).toEqual({
      who: 'a.1',
      address: 'addr-a.1',
    })
    expect(pickHeir([child('a.0', true), child('a.1', false)], parent(true), 'global')?.who).toBe('a.0')
  })

  it('falls back to a living parent, then btc_global, then whoever of the family is left', () => {
    const dead = [child('a.0', false), child('a.1', false)]
    expect(pickHeir(dead, parent(true), 'global')).toEqual({ who: 'parent dolly.0', address: 'addr-parent' })
    expect(pickHeir(dead, parent(false), 'global')).toEqual({ who: 'btc_global', address: 'global' })
    expect(pickHeir(dead, parent(false), undefined)).toEqual({ who: 'a.1', address: 'addr-a.1' })
    expect(pickHeir([], parent(false), undefined)?.who).toBe('parent dolly.0')
  })

  it('finds none without children, parent or btc_global: the coins stay', () => {
    expect(pickHeir([], undefined, undefined)).toBeUndefined()
  })
})

const DAY_MS = 86_400_000
const PARENT = { publicKey: 'ab'.repeat(32), tree: 'dolly', host: '10.77.0.2', statusPort: 8334 }

function withItems(...items: Partial<PurchaseItem>[]): LifecycleState {
  const base: PurchaseItem = {
    id: 'p1',
    provider: 'bluecloud',
    option: 'vps-1',
    priceSats: 10_000n,
    stage: 'installed',
    purchaseId: 'o1',
    txid: 'aa'.repeat(32),
    ip: null,
    leaseEndMs: null,
    childTree: null,
    childIndex: null,
    attempts: 1,
    nextTryMs: 0,
    sinceMs: 0,
  }
  return {
    ...initialLifecycle(0, 30 * DAY_MS),
    items: items.map((i, n) => ({ ...base, id: `p${n + 1}`, ...i })),
  }
}

describe('heirSources', () => {
  const usable = (address: string): boolean => address.startsWith('bcrt1')

  it('keeps installed children with an index and a host, a parent with a usable address and a usable btc_global', () => {
    const state = withItems(
      { childTree: 'dolly.0', childIndex: 0, ip: '10.77.0.3' },
      { stage: 'bought', ip: '10.77.0.4' },
    )
    const sources = heirSources(
      state,
      { parent: PARENT, parentAddress: 'bcrt1parent' },
      'bcrt1global',
      usable,
    )
    expect(sources.children.map((c) => c.childTree)).toEqual(['dolly.0'])
    expect(sources.parent).toEqual({ ...PARENT, address: 'bcrt1parent' })
    expect(sources.btcGlobal).toBe('bcrt1global')
    expect(anyHeir(sources)).toBe(true)
  })

  it('finds nobody when the only addresses are unusable, so no sweep is decided that could not pay', () => {
    const rejected: string[] = []
    const sources = heirSources(
      withItems(),
      { parent: PARENT, parentAddress: 'tb1-wrong-network' },
      'x',
      (a, what) => {
        if (!usable(a)) rejected.push(what)
        return usable(a)
      },
    )
    expect(sources).toEqual({ children: [], parent: undefined, btcGlobal: undefined })
    expect(anyHeir(sources)).toBe(false)
    expect(rejected).toEqual(['parent', 'wallets.btc_global'])
  })

  it('needs the parent itself for a parent address, and a child record with index and host', () => {
    const state = withItems({ childTree: 'dolly.0', childIndex: null, ip: '10.77.0.3' })
    const sources = heirSources(state, { parent: null, parentAddress: 'bcrt1parent' }, undefined, usable)
    expect(anyHeir(sources)).toBe(false)
  })
})
