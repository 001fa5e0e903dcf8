import { describe, expect, it } from 'vitest'
import { pickHeir, type HeirCandidate } from './heir.ts'

const child = (tree: string, alive: boolean): HeirCandidate => ({ tree, address: `addr-${tree}`, alive })
const PARENT = { tree: 'dolly.0', address: 'addr-parent' }

describe('pickHeir', () => {
  it('prefers the newest child that answers', () => {
    expect(pickHeir([child('a.0', true), child('a.1', true)], PARENT, 'global')).toEqual({
      who: 'a.1',
      address: 'addr-a.1',
    })
    expect(pickHeir([child('a.0', true), child('a.1', false)], PARENT, 'global')?.who).toBe('a.0')
  })

  it('falls back to the parent, then btc_global, then the newest child that did not answer', () => {
    const dead = [child('a.0', false), child('a.1', false)]
    expect(pickHeir(dead, PARENT, 'global')).toEqual({ who: 'parent dolly.0', address: 'addr-parent' })
    expect(pickHeir(dead, undefined, 'global')).toEqual({ who: 'btc_global', address: 'global' })
    expect(pickHeir(dead, undefined, undefined)).toEqual({ who: 'a.1', address: 'addr-a.1' })
  })

  it('finds none without children, parent or btc_global: the coins stay', () => {
    expect(pickHeir([], undefined, undefined)).toBeUndefined()
    expect(pickHeir([], PARENT, undefined)?.who).toBe('parent dolly.0')
  })
})
