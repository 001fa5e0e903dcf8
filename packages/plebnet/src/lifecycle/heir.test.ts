import { describe, expect, it } from 'vitest'
import { pickHeir, type HeirCandidate } from './heir.ts'

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
