import { describe, expect, it } from 'vitest'
import { isTreePath, parentOf, parsePythonDict } from './general.ts'

describe('parsePythonDict', () => {
  it('converts the dict repr to plain values (quotes, True/False/None, numbers, u prefix)', () => {
    expect(
      parsePythonDict("{'a': 'x', u'b': u\"y\", 'c': True, 'd': False, 'e': None, 'f': -1.5e3}"),
    ).toEqual({
      ok: true,
      value: { a: 'x', b: 'y', c: true, d: false, e: null, f: -1500 },
    })
  })

  it('keeps quotes and escapes inside a value, which replacing quotes would break', () => {
    expect(parsePythonDict(`{'option': 'Bob\\'s "plan"', 'x': "it's"}`)).toEqual({
      ok: true,
      value: { option: `Bob's "plan"`, x: "it's" },
    })
  })

  it('reads the same dict written as JSON', () => {
    expect(parsePythonDict('{"host": "linevast", "vpn": true}')).toEqual({
      ok: true,
      value: { host: 'linevast', vpn: true },
    })
  })

  it('reads an empty dict', () => expect(parsePythonDict('{}')).toEqual({ ok: true, value: {} }))

  for (const bad of [
    '',
    '{',
    '[1]',
    "{'a' 1}",
    "{'a': }",
    "{'a': 1,}",
    '{a: 1}',
    "{'a': 1} x",
    "{'a': 'x}",
    "{'a': nan}",
  ])
    it(`rejects ${JSON.stringify(bad)}`, () => expect(parsePythonDict(bad).ok).toBe(false))
})

describe('tree paths', () => {
  it('accepts nick roots with numeric children', () => {
    for (const t of ['P', 'plebbot4521', 'plebbot4521.0.12', 'a_b-c[1]']) expect(isTreePath(t), t).toBe(true)
  })
  it('rejects empty segments, spaces and absurd depth', () => {
    for (const t of ['', '.', 'P.', '.P', 'P..0', 'P 0', 'P.0\n', Array(70).fill('1').join('.')])
      expect(isTreePath(t), t).toBe(false)
  })
  it('has as parent the path minus its last segment', () => {
    expect(parentOf('P.0.1')).toBe('P.0')
    expect(parentOf('P.0')).toBe('P')
    expect(parentOf('P')).toBeUndefined()
  })
})
