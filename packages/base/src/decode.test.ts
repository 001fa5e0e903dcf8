import { describe, expect, it } from 'vitest'
import * as d from './decode.ts'
import { DecodeError, type Infer } from './decode.ts'

const Doc = d.strictObject({
  kind: d.literal('doc'),
  id: d.string({ min: 1, max: 8, pattern: /^[a-z]+$/ }),
  count: d.number({ int: true, min: 0 }),
  ratio: d.number(),
  on: d.boolean(),
  parent: d.nullable(d.string()),
  rule: d.oneOf(['2017', '2021']),
  tags: d.array(d.string({ max: 3 }), { max: 2 }),
  extra: d.unknown(),
  nested: d.optional(d.strictObject({ n: d.number() })),
})
type Doc = Infer<typeof Doc>

const good: Doc = {
  kind: 'doc',
  id: 'abc',
  count: 3,
  ratio: 0.5,
  on: true,
  parent: null,
  rule: '2021',
  tags: ['a', 'bb'],
  extra: { anything: [1] },
}

const problems = (input: unknown): string[] => {
  const result = Doc.check(input)
  return result.ok ? [] : result.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('strict decoders', () => {
  it('returns a valid document as it is, with or without its optional key', () => {
    expect(Doc.parse(good)).toEqual(good)
    expect(Doc.parse({ ...good, nested: { n: 1 } })).toEqual({ ...good, nested: { n: 1 } })
    // A key the decoder leaves open (`unknown`) must still be there.
    const { extra: _extra, ...withoutExtra } = good
    expect(problems(withoutExtra)).toEqual(['extra: required'])
  })

  it.each([
    ['unknown key', { ...good, more: 1 }, ': unknown key "more"'],
    [
      'missing key',
      { ...good, count: undefined },
      'count: expected a finite number, got nothing (the key is required)',
    ],
    ['wrong literal', { ...good, kind: 'other' }, 'kind: expected "doc"'],
    ['string too long', { ...good, id: 'abcdefghi' }, 'id: must have at most 8 characters'],
    ['empty string', { ...good, id: '' }, 'id: must have at least 1 characters'],
    ['pattern', { ...good, id: 'ABC' }, 'id: does not match /^[a-z]+$/'],
    ['negative', { ...good, count: -1 }, 'count: must be at least 0'],
    ['fraction for an integer', { ...good, count: 1.5 }, 'count: expected an integer'],
    ['NaN', { ...good, ratio: Number.NaN }, 'ratio: expected a finite number, got number'],
    ['string for a number', { ...good, ratio: '1' }, 'ratio: expected a finite number, got string'],
    ['number for a boolean', { ...good, on: 1 }, 'on: expected a boolean, got number'],
    ['not in the set', { ...good, rule: 'fair' }, 'rule: expected one of "2017", "2021"'],
    ['array too long', { ...good, tags: ['a', 'b', 'c'] }, 'tags: must have at most 2 items'],
    ['bad item', { ...good, tags: ['a', 'long'] }, 'tags.1: must have at most 3 characters'],
    ['object for an array', { ...good, tags: {} }, 'tags: expected an array, got object'],
    ['bad nested key', { ...good, nested: { n: 'x' } }, 'nested.n: expected a finite number, got string'],
    ['null for an object', { ...good, nested: null }, 'nested: expected an object, got null'],
  ])('rejects %s with its path', (_name, input, expected) => {
    expect(problems(input)).toEqual([expected])
  })

  it('rejects what is not an object at all, and arrays posing as objects', () => {
    for (const input of [null, 1, 'doc', [good], undefined]) expect(problems(input)).toHaveLength(1)
  })

  it('collects at most ten problems and throws them as a DecodeError from parse', () => {
    const many = d.array(d.number(), { max: 100 })
    const result = many.check(Array.from({ length: 50 }, () => 'x'))
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.issues).toHaveLength(10)
    expect(() => Doc.parse({ ...good, count: -1 })).toThrow(DecodeError)
    expect(() => Doc.parse({ ...good, count: -1 })).toThrow('count: must be at least 0')
  })

  it('does not return the input object itself for objects (unknown keys cannot ride along)', () => {
    const out = Doc.parse(good)
    expect(out).not.toBe(good)
  })
})
