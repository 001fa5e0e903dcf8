/**
 * Fuzz surfaces of cloudomate's text and JSON inputs: API providers' replies (through the real driver,
 * session and `callJson`), the purchase journal (`parseJournal`) and `cloudomate.cfg` (`parseIni`, over the base INI reader).
 */
import { readFileSync } from 'node:fs'
import { createMemoryLogger, createSeededRng, createVirtualClock } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import fc from 'fast-check'
import {
  anyJson,
  anyText,
  jsonCases,
  mutateBytes,
  sameJson,
  throwing,
  type FuzzCase,
  type JsonMutant,
  type Surface,
  type Verdict,
} from '../../../../base/test/support/fuzz-harness.ts'
import { iniCases, iniRoundTrip } from '../../../../base/test/support/ini-fuzz.ts'
import { createLunanodeDriver } from '../../../src/api/lunanode.ts'
import { createNjallaDriver } from '../../../src/api/njalla.ts'
import { parseIni } from '../../../src/config.ts'
import { createHttpSession } from '../../../src/http/session.ts'
import { formatJournalLine, parseJournal, type JournalEntry } from '../../../src/purchase/journal.ts'

const apiFixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/api/${name}.json`, import.meta.url), 'utf8')

type Provider = 'njalla' | 'lunanode'
interface Reply {
  readonly provider: Provider
  readonly status: number
  readonly body: string
}

const drivers = {
  njalla: createNjallaDriver({ token: 'T0K3N' }),
  lunanode: createLunanodeDriver({ apiId: 'a'.repeat(16), apiKey: 'k'.repeat(128) }),
}

/**
 * `driver.options()` of two API providers with every request answered by the fuzzed reply. A
 * non-2xx status must be CLOUDOMATE_API_ERROR whatever the body; a 2xx body is judged per mutant.
 */
export function apiReplySurface(): Surface<Reply> {
  const valid: Reply[] = [
    { provider: 'njalla', status: 200, body: apiFixture('njalla/list-server-types') },
    { provider: 'lunanode', status: 200, body: apiFixture('lunanode/plan-list') },
  ]
  const index = fc.nat({ max: valid.length - 1 })
  const at = (i: number): Reply => valid[i] ?? valid[0]!
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const jsonMutants = valid.map((r) =>
    jsonCases([JSON.parse(r.body) as unknown], () => 'any', { textChanged: 'any', arbitrary: 'any' }).map(
      (c): FuzzCase<Reply> => ({
        input: { ...r, body: typeof c.input === 'string' ? c.input : (JSON.stringify(c.input) ?? '') },
        expect: c.expect === 'valid' ? 'valid' : 'any',
        label: `${r.provider}:${c.label.split('@')[0] ?? ''}`,
      }),
    ),
  )
  return {
    name: 'API provider replies',
    cases: fc.oneof(
      { weight: 6, arbitrary: index.chain((i) => jsonMutants[i] as fc.Arbitrary<FuzzCase<Reply>>) },
      {
        weight: 2,
        arbitrary: index.chain((i) =>
          mutateBytes(encoder.encode(at(i).body)).map((m): FuzzCase<Reply> => ({
            input: { ...at(i), body: decoder.decode(m.value) },
            expect: 'any',
            label: `${at(i).provider}:${m.label}`,
          })),
        ),
      },
      {
        weight: 2,
        // An error reply: its body, whatever it is, only feeds the message of CLOUDOMATE_API_ERROR.
        arbitrary: fc
          .tuple(
            index,
            fc.constantFrom(400, 401, 403, 404, 409, 422),
            fc.oneof(
              anyJson.map((v) => JSON.stringify(v) ?? ''),
              fc.constantFrom(
                '{"detail":{"toString":1}}',
                '{"message":{"valueOf":null,"toString":null}}',
                '{"detail":[{"toString":1}]}',
                'not json',
              ),
            ),
          )
          .map(([i, status, body]): FuzzCase<Reply> => ({
            input: { provider: at(i).provider, status, body },
            expect: 'invalid',
            label: `http-${status}`,
          })),
      },
    ),
    parse: async (reply): Promise<Verdict> => {
      const clock = createVirtualClock(1_700_000_000_000)
      const rng = createSeededRng('fuzz-api')
      const send = async (): Promise<Response> =>
        new Response(reply.body, { status: reply.status, headers: { 'content-type': 'application/json' } })
      const ctx = {
        session: createHttpSession({ send, clock, rng }, { minIntervalMs: 0 }),
        network: networkParams('bitcoin'),
        clock,
        rng,
        log: createMemoryLogger(),
      }
      return { ok: true, value: await drivers[reply.provider].options(ctx) }
    },
  }
}

const entryArb: fc.Arbitrary<JournalEntry> = fc
  .record(
    {
      purchaseId: fc.string({ minLength: 1, maxLength: 20 }),
      state: fc.constantFrom(
        'started',
        'quoted',
        'paying',
        'paid',
        'active',
        'failed',
        'expired',
        'refused',
        'unknown' as const,
      ),
      atMs: fc.integer({ min: 0, max: 2 ** 45 }),
      provider: fc.string({ maxLength: 20 }),
      address: fc.string({ maxLength: 62 }),
      amountSats: fc.bigInt({ min: 0n, max: 10n ** 16n }),
      expiresAtMs: fc.integer({ min: 0, max: 2 ** 45 }),
      reason: fc.string({ maxLength: 40 }),
    },
    { requiredKeys: ['purchaseId', 'state', 'atMs'] },
  )
  .map((e) => e as JournalEntry)

function parses(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** Required keys of a journal line; the others are optional, and unknown keys are stripped (z.object). */
const REQUIRED = new Set(['purchaseId', 'state', 'atMs'])

/**
 * `parseJournal` over a journal of 1-4 lines. A bad line that is not the last must be refused
 * (CLOUDOMATE_JOURNAL_MALFORMED): skipping a `paying` line could pay twice. Only a torn last line
 * (one that is not JSON) is dropped.
 */
export function journalSurface(): Surface<string> {
  const journals = fc.sample(fc.array(entryArb, { minLength: 1, maxLength: 4 }), { numRuns: 32, seed: 40 })
  const texts = journals.map((es) => es.map(formatJournalLine).join('\n') + '\n')
  const index = fc.nat({ max: journals.length - 1 })
  const journal = (i: number): JournalEntry[] => journals[i] ?? journals[0]!
  const oracle = (m: JsonMutant): 'any' | 'invalid' => {
    const key = String(m.path[0])
    if (m.op === 'delete-key') return REQUIRED.has(key) ? 'invalid' : 'any'
    if (m.op === 'unknown-key' || m.op === 'proto-key') return m.path.length === 1 ? 'any' : 'invalid'
    if (m.op === 'unicode-string' || m.op === 'oversize-string')
      return key === 'amountSats' || key === 'state' || key === 'expiresAtMs' || key === 'atMs'
        ? 'invalid'
        : 'any'
    if (m.op === 'huge-number') return 'any'
    return 'invalid'
  }
  // One line mutated structurally, followed by a good line, so it is never the torn last one; built
  // once per (journal, line), since building mutators per case costs more than parsing.
  const lineMutants = journals.flatMap((es) =>
    es.map((entry, li) => {
      const line = JSON.parse(formatJournalLine(entry)) as unknown
      const lines = es.map((e) => formatJournalLine(e))
      return jsonCases([line], oracle, { textChanged: 'any', arbitrary: 'invalid' }).map(
        (c): FuzzCase<string> => {
          const mutated =
            typeof c.input === 'string'
              ? c.input.replaceAll('\n', ' ')
              : (JSON.stringify(c.input) ?? 'undefined')
          const withMutant = lines.map((l, j) => (j === li ? mutated : l))
          // A non-JSON line before the last is refused; as the last it would be a torn write.
          // A blank line is skipped by design (the file ends with one); it says nothing.
          const blank = typeof c.input === 'string' && c.input.trim() === ''
          // Joining the line back (newlines turned to spaces) can make a non-JSON mutant JSON again.
          const nowJson = c.label.endsWith('(not JSON)') && parses(mutated)
          const expect =
            c.expect === 'valid' || sameJson(c.input, line) ? 'valid' : blank || nowJson ? 'any' : c.expect
          return {
            input: `${withMutant.join('\n')}\n${lines[0] ?? ''}\n`,
            expect,
            label: `line:${c.label.split('@')[0] ?? ''}`,
          }
        },
      )
    }),
  )
  return {
    name: 'purchase journal',
    cases: fc.oneof(
      {
        weight: 1,
        arbitrary: index.map((i): FuzzCase<string> => ({
          input: texts[i] ?? '',
          expect: 'valid',
          label: 'valid',
        })),
      },
      {
        weight: 5,
        // One line mutated structurally, followed by a good line, so it is never the torn last one.
        arbitrary: fc
          .nat({ max: lineMutants.length - 1 })
          .chain((k) => lineMutants[k] as fc.Arbitrary<FuzzCase<string>>),
      },
      {
        weight: 2,
        arbitrary: index.chain((i) =>
          mutateBytes(new TextEncoder().encode(texts[i] ?? '')).map((m): FuzzCase<string> => ({
            input: new TextDecoder().decode(m.value),
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
    parse: throwing((text: string) => parseJournal(text, 'journal.jsonl')),
    roundTrip: (text, value) => {
      const i = texts.indexOf(text)
      if (i === -1) return undefined
      return sameJson(value, journal(i)) ? undefined : 'entries differ'
    },
  }
}

/**
 * `parseIni` of cloudomate.cfg: `@dolly/base`'s reader with its refusals as
 * CLOUDOMATE_CONFIG_MALFORMED. Cases and reference reading shared with plebnet's INI surface
 * (ini-fuzz.ts), from another seed.
 */
export function cloudomateIniSurface(): Surface<string> {
  return {
    name: 'cloudomate INI config',
    cases: iniCases(41),
    parse: throwing((text: string) => parseIni(text)),
    roundTrip: iniRoundTrip,
  }
}
