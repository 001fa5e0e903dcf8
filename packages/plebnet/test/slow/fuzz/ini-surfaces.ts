/**
 * Fuzz surfaces of `plebnet_setup.cfg`: the INI reader under it (`@dolly/base` `parseIni`) and
 * `readAgentConfig` (that reader plus the typed keys the lifecycle uses). A valid file sets the typed
 * keys to values in range; a mutant sets one of them to a value its schema must refuse.
 */
import { parseIni } from '@dolly/base'
import fc from 'fast-check'
import {
  anyText,
  mutateBytes,
  throwing,
  type FuzzCase,
  type Surface,
} from '../../../../base/test/support/fuzz-harness.ts'
import { iniCases, iniRoundTrip, referenceIni } from '../../../../base/test/support/ini-fuzz.ts'
import { readAgentConfig, type AgentConfig } from '../../../src/config/agent-config.ts'

type Sections = Readonly<Record<string, Readonly<Record<string, string>>>>

interface IniDoc {
  readonly sections: Sections
  readonly comment: string
  readonly crlf: boolean
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

function render(sections: Sections, comment: string, crlf: boolean): string {
  const text = Object.entries(sections)
    .map(
      ([name, keys]) =>
        `; ${comment}\n[${name}]\n${Object.entries(keys)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n')}\n`,
    )
    .join('\n')
  return crlf ? text.replaceAll('\n', '\r\n') : text
}

/** `doc` with `[section] key` set to `value` (added when absent), rendered again: one key, one line. */
function withValue(doc: IniDoc, section: string, key: string, value: string): string {
  return render(
    { ...doc.sections, [section]: { ...(doc.sections[section] ?? {}), [key]: value } },
    doc.comment,
    doc.crlf,
  )
}

const WORLD = {
  chain_backend: 'http://u:p@127.0.0.1:18443',
  providers: 'linevast=http://10.0.0.1:8080, proxhost=http://10.0.0.2:8080',
  time_scale: '60',
  epoch_real_ms: '1700000000000',
  epoch_world_ms: '1700000000000',
}

const docArb: fc.Arbitrary<IniDoc> = fc
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
    if (world) sections['world'] = WORLD
    return { sections, comment, crlf, text: render(sections, comment, crlf), tick, vps }
  })

/**
 * `parseIni` of `@dolly/base`, the one INI reader under `parseIniText`, `readAgentConfig`,
 * cloudomate's `parseIni` and the wallet's `readIniValue`: malformed lines and keys given twice (in
 * any case) are BASE_INI_MALFORMED; a well-formed file must come back as the reference reads it.
 */
export function iniReaderSurface(): Surface<string> {
  return {
    name: 'INI reader (base)',
    cases: iniCases(31),
    parse: throwing(parseIni),
    roundTrip: iniRoundTrip,
  }
}

/** `readAgentConfig(text, {})`: the INI reader plus the typed keys the lifecycle uses. */
export function agentConfigSurface(): Surface<string> {
  const pool = fc.sample(docArb, { numRuns: 32, seed: 30 })
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const index = fc.nat({ max: pool.length - 1 })
  const doc = (i: number): IniDoc => pool[i] as IniDoc
  // Malformed INI must be refused whatever the keys; well-formed text may still hold a bad value.
  const judged = (text: string, label: string): FuzzCase<string> => ({
    input: text,
    expect: referenceIni(text) === undefined ? 'invalid' : 'any',
    label,
  })
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
            input: withValue(doc(i), section, key, bad),
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
            input: render(
              { ...doc(i).sections, world: { ...WORLD, time_scale: scale } },
              doc(i).comment,
              doc(i).crlf,
            ),
            expect: 'invalid',
            label: 'bad-value:time_scale',
          })),
      },
      {
        weight: 3,
        arbitrary: index.chain((i) =>
          mutateBytes(encoder.encode(doc(i).text)).map((m) => judged(decoder.decode(m.value), m.label)),
        ),
      },
      { weight: 1, arbitrary: anyText.map((t) => judged(t, 'arbitrary')) },
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
