/**
 * Fuzz surface of `plebnet_setup.cfg`: `readAgentConfig` (the INI reader `parseIniText` plus the typed
 * keys the lifecycle uses). A valid file sets the typed keys to values in range; a mutant sets one of
 * them to a value its schema must refuse.
 */
import fc from 'fast-check'
import {
  anyText,
  mutateBytes,
  throwing,
  type FuzzCase,
  type Surface,
} from '../../../../base/test/support/fuzz-harness.ts'
import { readAgentConfig, type AgentConfig } from '../../../src/config/agent-config.ts'
import { parseIniText, type IniSections } from '../../../src/config/ini.ts'

interface IniDoc {
  readonly text: string
  readonly tick: number
  readonly vps: number
}

const KEYS = [
  ['daemon', 'tick_interval'],
  ['lease', 'time_alive'],
  ['purchase', 'max_consecutive_failures'],
  ['install', 'max_attempts'],
  ['install', 'dowry_percent'],
  ['strategy', 'vps_count'],
] as const

const BAD_VALUES = ['abc', '-1', '1e3', '', '0x10', '12345678901', '1,5', ' NaN', '\u0661\u0662']

function render(
  sections: Readonly<Record<string, Readonly<Record<string, string>>>>,
  comment: string,
): string {
  return Object.entries(sections)
    .map(
      ([name, keys]) =>
        `; ${comment}\n[${name}]\n${Object.entries(keys)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
    )
    .join('\n')
}

const docArb = fc
  .record({
    tick: fc.integer({ min: 1, max: 86_400 }),
    vps: fc.integer({ min: 1, max: 16 }),
    dowry: fc.integer({ min: 0, max: 100 }),
    comment: fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '')),
    crlf: fc.boolean(),
    world: fc.boolean(),
  })
  .map(({ tick, vps, dowry, comment, crlf, world }) => {
    const sections: Record<string, Record<string, string>> = {
      daemon: { tick_interval: String(tick) },
      strategy: { vps_count: String(vps), name: 'constant_sell' },
      install: { dowry_percent: String(dowry) },
    }
    if (world)
      sections['world'] = {
        chain_backend: 'http://u:p@127.0.0.1:18443',
        providers: 'linevast=http://10.0.0.1:8080, proxhost=http://10.0.0.2:8080',
        time_scale: '60',
        epoch_real_ms: '1700000000000',
        epoch_world_ms: '1700000000000',
      }
    const text = render(sections, comment)
    return { text: crlf ? text.replaceAll('\n', '\r\n') : text, tick, vps }
  })

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/)
const value = fc.string({ unit: 'grapheme', maxLength: 40 }).map((v) => v.replace(/[\r\n]/g, '').trim())
const sectionsArb = fc
  .uniqueArray(
    fc.tuple(name, fc.uniqueArray(fc.tuple(name, value), { maxLength: 5, selector: ([k]) => k })),
    { minLength: 1, maxLength: 5, selector: ([s]) => s },
  )
  .map((sections) => Object.fromEntries(sections.map(([s, keys]) => [s, Object.fromEntries(keys)])))

/**
 * `parseIniText`, the reader under `readAgentConfig`. Its dialect ignores lines it cannot read
 * (AGENT.md §4), so nothing is invalid to it: it must not crash, and a well-formed file (comments,
 * CRLF, `:` separators, upper-case names) must come back exactly.
 */
export function iniTextSurface(): Surface<string> {
  const docs = fc.sample(
    fc.tuple(sectionsArb, fc.boolean(), fc.boolean(), fc.boolean()).map(([sections, crlf, colon, upper]) => {
      const lines: string[] = ['; generated', '# comment']
      for (const [s, keys] of Object.entries(sections)) {
        lines.push(`  [${upper ? s.toUpperCase() : s}]  `)
        for (const [k, v] of Object.entries(keys))
          lines.push(`${upper ? k.toUpperCase() : k} ${colon ? ':' : '='} ${v}`)
        lines.push('')
      }
      return { text: lines.join(crlf ? '\r\n' : '\n'), sections }
    }),
    { numRuns: 32, seed: 31 },
  )
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const index = fc.nat({ max: docs.length - 1 })
  const text = (i: number): string => (docs[i] as { text: string }).text
  return {
    name: 'plebnet INI text',
    cases: fc.oneof(
      {
        weight: 2,
        arbitrary: index.map((i): FuzzCase<string> => ({ input: text(i), expect: 'valid', label: 'valid' })),
      },
      {
        weight: 5,
        arbitrary: index.chain((i) =>
          mutateBytes(encoder.encode(text(i))).map((m): FuzzCase<string> => ({
            input: decoder.decode(m.value),
            expect: 'any',
            label: m.label,
          })),
        ),
      },
      {
        weight: 1,
        arbitrary: anyText.map((s): FuzzCase<string> => ({ input: s, expect: 'any', label: 'arbitrary' })),
      },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((n): FuzzCase<string> => ({
          input: `[${'['.repeat(n)}\n${'='.repeat(n)}:\n${'a'.repeat(n)}`,
          expect: 'any',
          label: 'long-lines',
        })),
      },
    ),
    parse: throwing(parseIniText),
    roundTrip: (input, value) => {
      const doc = docs.find((d) => d.text === input)
      if (doc === undefined) return 'not from the pool'
      const got = value as IniSections
      const want = Object.entries(doc.sections)
      const same =
        got.size === want.length &&
        want.every(([s, keys]) => {
          const g = got.get(s)
          return (
            g !== undefined &&
            g.size === Object.keys(keys).length &&
            Object.entries(keys).every(([k, v]) => g.get(k) === v)
          )
        })
      return same ? undefined : 'sections differ'
    },
  }
}

/** `readAgentConfig(text, {})`: the INI reader plus the typed keys the lifecycle uses. */
export function agentConfigSurface(): Surface<string> {
  const pool = fc.sample(docArb, { numRuns: 32, seed: 30 })
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const index = fc.nat({ max: pool.length - 1 })
  const doc = (i: number): IniDoc => pool[i] as IniDoc
  return {
    name: 'plebnet INI config',
    cases: fc.oneof(
      {
        weight: 2,
        arbitrary: index.map((i): FuzzCase<string> => ({
          input: doc(i).text,
          expect: 'valid',
          label: 'valid',
        })),
      },
      {
        weight: 4,
        arbitrary: fc
          .tuple(index, fc.constantFrom(...KEYS), fc.constantFrom(...BAD_VALUES))
          .map(([i, [section, key], bad]): FuzzCase<string> => ({
            input: `${doc(i).text}\n[${section}]\n${key} = ${bad}\n`,
            expect: 'invalid',
            label: `bad-value:${key}`,
          })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            index,
            fc.oneof(
              fc.integer({ min: 309, max: 2000 }).map((n) => '9'.repeat(n)),
              fc.constantFrom('0', '0.000'),
            ),
          )
          .map(([i, scale]): FuzzCase<string> => ({
            // A time scale of Infinity (a number too long for a double) or 0 is no clock (createScaledClock).
            input: `${doc(i).text}\n[world]\nchain_backend = http://127.0.0.1:1\nproviders = a=http://x\nepoch_real_ms = 1\nepoch_world_ms = 1\ntime_scale = ${scale}\n`,
            expect: 'invalid',
            label: 'bad-value:time_scale',
          })),
      },
      {
        weight: 3,
        arbitrary: index.chain((i) =>
          mutateBytes(encoder.encode(doc(i).text)).map((m): FuzzCase<string> => ({
            input: decoder.decode(m.value),
            expect: 'any',
            label: m.label,
          })),
        ),
      },
      {
        weight: 1,
        arbitrary: anyText.map((s): FuzzCase<string> => ({ input: s, expect: 'any', label: 'arbitrary' })),
      },
    ),
    parse: throwing((text: string) => readAgentConfig(text, {})),
    roundTrip: (text, value) => {
      const d = pool.find((p) => p.text === text)
      const c = value as AgentConfig
      return d === undefined || (c.tickIntervalMs === d.tick * 1000 && c.vpsCount === d.vps)
        ? undefined
        : 'values differ'
    },
  }
}
