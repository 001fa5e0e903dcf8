import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Observation } from './observation.ts'
import { formatStamp, parseStamp } from './time-format.ts'
import { formatTrackerDataLine, parseTrackerDataLine } from './tracker-data.ts'

const T = parseStamp('2018-06-02 13:04:05,678') ?? Number.NaN

describe('tracker.data lines (§12)', () => {
  it('reads the legacy stamp as UTC', () => {
    expect(T).toBe(1_527_944_645_678)
    expect(formatStamp(T, ',')).toBe('2018-06-02 13:04:05,678')
    expect(formatStamp(T)).toBe('2018-06-02 13:04:05.678')
  })

  it('reads each key, the legacy BM_balance as MB_balance', () => {
    const cases: [string, Observation][] = [
      [
        '2018-06-02 13:04:05,678;plebbot1;MB_balance;12.5',
        { kind: 'metric', atMs: T, nick: 'plebbot1', metric: 'MB_balance', value: 12.5 },
      ],
      [
        '2018-06-02 13:04:05,678;plebbot1;BM_balance;3',
        { kind: 'metric', atMs: T, nick: 'plebbot1', metric: 'MB_balance', value: 3 },
      ],
      [
        '2018-06-02 13:04:05,678;plebbot1;BTC_balance;0.001',
        { kind: 'metric', atMs: T, nick: 'plebbot1', metric: 'BTC_balance', value: 0.001 },
      ],
      [
        '2018-06-02 13:04:05,678;plebbot1;TBTC_balance;0',
        { kind: 'metric', atMs: T, nick: 'plebbot1', metric: 'TBTC_balance', value: 0 },
      ],
      [
        '2018-06-02 13:04:05,678;plebbot1;matchmakers;6',
        { kind: 'metric', atMs: T, nick: 'plebbot1', metric: 'matchmakers', value: 6 },
      ],
      [
        '2018-06-02 13:04:05,678;plebbot1;uploaded;100',
        { kind: 'metric', atMs: T, nick: 'plebbot1', metric: 'uploaded', value: 100 },
      ],
      [
        '2018-06-02 13:04:05,678;plebbot1;downloaded;7.25',
        { kind: 'metric', atMs: T, nick: 'plebbot1', metric: 'downloaded', value: 7.25 },
      ],
      [
        "2018-06-02 13:04:05,678;plebbot1;general;{'host': 'linevast', 'option': 'Basic', 'vpn': False, 'tree': 'plebbot1', 'exitnode': False}",
        {
          kind: 'general',
          atMs: T,
          nick: 'plebbot1',
          general: { host: 'linevast', option: 'Basic', vpn: false, tree: 'plebbot1', exitnode: false },
        },
      ],
      [
        '2018-06-02 13:04:05,678;plebbot1;goodbye;plebbot1.0',
        { kind: 'goodbye', atMs: T, nick: 'plebbot1', tree: 'plebbot1.0' },
      ],
    ]
    for (const [line, obs] of cases)
      expect(parseTrackerDataLine(line), line).toEqual({ ok: true, observation: obs })
  })

  it('rejects bad lines with VISION_DATA_MALFORMED', () => {
    for (const line of [
      '',
      'garbage',
      '2018-06-02 13:04:05,678;plebbot1;MB_balance',
      '2018-13-02 13:04:05,678;plebbot1;MB_balance;1',
      '2018-02-30 13:04:05,678;plebbot1;MB_balance;1',
      '2018-06-02 25:04:05,678;plebbot1;MB_balance;1',
      '2018-06-02 13:04:05,678;;MB_balance;1',
      '2018-06-02 13:04:05,678;bad nick;MB_balance;1',
      '2018-06-02 13:04:05,678;plebbot1;joke;1',
      '2018-06-02 13:04:05,678;plebbot1;MB_balance;lots',
      '2018-06-02 13:04:05,678;plebbot1;MB_balance;',
      '2018-06-02 13:04:05,678;plebbot1;general;{broken',
      "2018-06-02 13:04:05,678;plebbot1;general;{'host': 'x'}",
      '2018-06-02 13:04:05,678;plebbot1;goodbye;P..0',
    ]) {
      const r = parseTrackerDataLine(line)
      expect(r.ok, line).toBe(false)
      if (!r.ok) expect(r.code).toBe('VISION_DATA_MALFORMED')
    }
  })

  it('writes lines it reads back unchanged', () => {
    const obs = fc.oneof(
      fc.record({
        kind: fc.constant('metric' as const),
        atMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
        nick: fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/),
        metric: fc.constantFrom(
          'MB_balance',
          'BTC_balance',
          'TBTC_balance',
          'matchmakers',
          'uploaded',
          'downloaded',
        ) as fc.Arbitrary<'MB_balance' | 'BTC_balance'>,
        value: fc.double({ min: -1e9, max: 1e9, noNaN: true }).map((v) => (Object.is(v, -0) ? 0 : v)),
      }),
      fc.record({
        kind: fc.constant('general' as const),
        atMs: fc.integer({ min: 0, max: 4_102_444_800_000 }),
        nick: fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/),
        general: fc.record({
          host: fc.string({ maxLength: 20 }).filter((s) => !s.includes(';') && s.trim() === s),
          option: fc.string({ maxLength: 20 }).filter((s) => !s.includes(';') && s.trim() === s),
          vpn: fc.boolean(),
          tree: fc.stringMatching(/^P(\.[0-9]{1,2}){0,4}$/),
          exitnode: fc.boolean(),
        }),
      }),
    )
    fc.assert(
      fc.property(obs, (o: Observation) => {
        expect(parseTrackerDataLine(formatTrackerDataLine(o))).toEqual({ ok: true, observation: o })
      }),
      { numRuns: 500 },
    )
  })
})
