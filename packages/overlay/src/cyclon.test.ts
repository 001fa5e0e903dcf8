import { createSeededRng } from '@dolly/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ageView, mergeView, planShuffle, type ViewEntry } from './cyclon.ts'
import type { SignedEntry } from './entry.ts'

const entry = (id: string, age = 0, version = 1): ViewEntry => ({
  id,
  age,
  contact: { kind: 'contact', origin: id, version, value: null, sig: '' } satisfies SignedEntry,
})

describe('CYCLON', () => {
  it('shuffles with the oldest neighbour and removes it from the view', () => {
    const view = ageView([entry('a', 3), entry('b', 7), entry('c', 1), entry('d', 2)])
    const plan = planShuffle(view, 3, createSeededRng('s'))
    expect(plan?.target.id).toBe('b')
    expect(plan?.target.age).toBe(8)
    expect(plan?.view.map((e) => e.id).sort()).toEqual(['a', 'c', 'd'])
    expect(plan?.sent.length).toBe(2)
    expect(plan?.sent.some((e) => e.id === 'b')).toBe(false)
    expect(planShuffle([], 3, createSeededRng('s'))).toBeUndefined()
  })

  it('merges: skips self and duplicates, fills empty slots, then replaces only what was sent', () => {
    const view = [entry('a'), entry('b'), entry('c')]
    const merged = mergeView(
      view,
      [entry('self'), entry('a', 0, 5), entry('x'), entry('y'), entry('z')],
      [entry('b')],
      {
        selfId: 'self',
        viewSize: 4,
      },
    )
    expect(merged.map((e) => e.id)).toEqual(['a', 'y', 'c', 'x'])
    // A fresher contact of a neighbour already in the view replaces the old record in place.
    expect(merged[0]?.contact.version).toBe(5)
  })

  it('never exceeds the view size, holds no duplicates and never holds self', () => {
    const ids = fc.array(fc.constantFrom('self', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'), {
      maxLength: 12,
    })
    fc.assert(
      fc.property(ids, ids, ids, fc.integer({ min: 1, max: 8 }), (v, r, s, size) => {
        const view = [...new Set(v.filter((x) => x !== 'self'))].slice(0, size).map((id) => entry(id))
        const merged = mergeView(
          view,
          r.map((id) => entry(id)),
          s.map((id) => entry(id)),
          { selfId: 'self', viewSize: size },
        )
        expect(merged.length).toBeLessThanOrEqual(size)
        expect(new Set(merged.map((e) => e.id)).size).toBe(merged.length)
        expect(merged.some((e) => e.id === 'self')).toBe(false)
      }),
    )
  })
})
