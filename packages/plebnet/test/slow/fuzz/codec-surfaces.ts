/**
 * Fuzz surfaces of the agent's JSON documents: the Q-table and genome codecs (gossip and hand-over),
 * the child payload, the lifecycle state on disk and another agent's status reply. Each oracle says
 * which structural mutants of a valid document must be refused; what a mutation may leave valid
 * (a nullable field set to null, a free string changed) is `any`.
 */
import { createSeededRng } from '@dolly/base'
import fc from 'fast-check'
import {
  jsonCases,
  newValue,
  sameJson,
  throwing,
  under,
  type Expect,
  type JsonMutant,
  type Surface,
} from '../../../../base/test/support/fuzz-harness.ts'
import { decodeStatus, type AgentStatus } from '../../../src/daemon/status.ts'
import {
  MAX_ABS_TABLE_VALUE,
  MAX_COUNTER,
  MAX_OFFER_ID_CHARS,
  parseGenome,
  serializeGenome,
  createRootGenome,
  STRATEGY_NAMES,
  type Genome,
  isOfferId,
  parseQTable,
  serializeQTable,
  type QTable,
} from '@dolly/learning'
import { parseLifecycle, serializeLifecycle } from '../../../src/lifecycle/state-codec.ts'
import type { LifecycleState } from '../../../src/lifecycle/state.ts'
import {
  buildChildPayload,
  parseChildPayload,
  serializeChildPayload,
} from '../../../src/replication/payload.ts'

const POOL = 32
const finite = (max: number) => fc.double({ min: -max, max, noNaN: true, noDefaultInfinity: true })

/**
 * Offer ids as `offerId` makes them from shop plan names: any lower-case string of
 * 1..MAX_OFFER_ID_CHARS code units (`isOfferId`), so brackets, colons, commas, quotes, unicode,
 * names of Object.prototype members and ids at the length limit all occur.
 */
const offerIdArb: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9 ._+()/-]{0,30}$/) },
    {
      weight: 6,
      arbitrary: fc
        .array(
          fc.constantFrom(
            '[promo]',
            ' 2 gb:',
            '1 core,',
            'eu',
            '"q"',
            '\\',
            'é',
            '東京',
            '🚀',
            '{x}',
            '=',
            ' ',
          ),
          {
            minLength: 1,
            maxLength: 6,
          },
        )
        .map((parts) => parts.join('')),
    },
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: MAX_OFFER_ID_CHARS - 8, max: MAX_OFFER_ID_CHARS })
        .map((n) => 'x'.repeat(n - 1) + 'é'),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('__proto__', 'constructor', 'tostring', 'valueof', 'hasownproperty'),
    },
  )
  .map((s) => s.toLowerCase())
  .filter(isOfferId)

const qTableArb: fc.Arbitrary<QTable> = fc
  .uniqueArray(offerIdArb, { minLength: 1, maxLength: 6 })
  .chain((offers) => {
    const n = offers.length
    const matrix = fc.array(fc.array(finite(MAX_ABS_TABLE_VALUE), { minLength: n, maxLength: n }), {
      minLength: n,
      maxLength: n,
    })
    return fc.record({
      offers: fc.constant(offers),
      q: matrix,
      e: matrix,
      counters: fc.array(fc.integer({ min: 0, max: MAX_COUNTER }), { minLength: n, maxLength: n }),
    })
  })

/** The Q-table wire's only mutable-and-still-valid spots: a cell or counter given another in-range number. */
function qTableOracle(m: JsonMutant, at: readonly (string | number)[] = []): Expect {
  const path = m.path.slice(at.length)
  const v = newValue(m)
  if (m.op === 'huge-number' && typeof v === 'number') {
    if (
      (path[0] === 'qtable' || path[0] === 'environment') &&
      path.length === 3 &&
      Math.abs(v) <= MAX_ABS_TABLE_VALUE
    )
      return 'any'
    if (path[0] === 'counters' && path.length === 2 && Number.isInteger(v) && v >= 0 && v <= MAX_COUNTER)
      return 'any'
  }
  return 'invalid'
}

/** `parseQTable`; valid tables must re-serialize to the same wire. */
export function qTableSurface(): Surface<unknown> {
  const pool = fc.sample(qTableArb, { numRuns: POOL, seed: 20 }).map((t) => serializeQTable(t) as unknown)
  return {
    name: 'Q-table codec',
    cases: jsonCases(pool, (m) => qTableOracle(m), { textChanged: 'any', arbitrary: 'invalid' }),
    parse: throwing(parseQTable),
    roundTrip: (input, value) =>
      sameJson(serializeQTable(value as QTable), input) ? undefined : 'wire differs',
  }
}

const genomeArb: fc.Arbitrary<Genome> = fc
  .record({
    providers: fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/), { maxLength: 5 }),
    exitNode: fc.boolean(),
    strategy: fc.constantFrom(...STRATEGY_NAMES),
  })
  .map(({ providers, exitNode, strategy }) => {
    const g = createRootGenome({ providers, version: '0.1.0', exitNode })
    return { ...g, strategy: { ...g.strategy, name: strategy } }
  })

/** Genome mutants: a removed provider or a number in range may stay valid; everything else is refused. */
function genomeOracle(m: JsonMutant, at: readonly (string | number)[] = []): Expect {
  const path = m.path.slice(at.length)
  if (m.op === 'delete-key' && path[0] === 'providerWeights' && path.length === 2) return 'any'
  // A weight key is any lower-case provider name: another one with a weight in range is a genome.
  if (m.op === 'unknown-key' && path[0] === 'providerWeights' && path.length === 2)
    return String(path[1]) === String(path[1]).toLowerCase() ? 'any' : 'invalid'
  if (m.op === 'huge-number' && typeof newValue(m) === 'number') return 'any'
  return 'invalid'
}

/** `parseGenome`. */
export function genomeSurface(): Surface<unknown> {
  const pool = fc.sample(genomeArb, { numRuns: POOL, seed: 21 }).map((g) => serializeGenome(g) as unknown)
  return {
    name: 'genome codec',
    cases: jsonCases(pool, (m) => genomeOracle(m), { textChanged: 'any', arbitrary: 'invalid' }),
    parse: throwing(parseGenome),
    roundTrip: (input, value) =>
      sameJson(serializeGenome(value as Genome), input) ? undefined : 'wire differs',
  }
}

/** Mutations that may leave a document with free strings, nullable fields and arrays valid. */
const LOOSE_OPS = new Set([
  'unicode-string',
  'oversize-string',
  'to-null',
  'huge-number',
  'duplicate-element',
  'drop-element',
])

/** `parseChildPayload` (from disk, written by a parent). */
export function payloadSurface(): Surface<unknown> {
  const inputs = fc.sample(
    fc.record({
      index: fc.integer({ min: 0, max: 1000 }),
      genome: genomeArb,
      qtable: fc.option(qTableArb, { nil: null }),
      testnet: fc.boolean(),
      // The parent's plebnet_setup.cfg: well-formed INI (a malformed one is refused before any payload).
      config: fc
        .tuple(fc.string({ maxLength: 100 }), fc.string({ maxLength: 100 }))
        .map(
          ([comment, value]) =>
            `; ${comment.replace(/[\r\n]/g, ' ')}\n[strategy]\nname = ${value.replace(/[\r\n]/g, ' ')}\n`,
        ),
    }),
    { numRuns: POOL, seed: 22 },
  )
  const rng = createSeededRng('fuzz-payload')
  const contact = (i: number) => ({
    publicKey: 'ab'.repeat(32),
    tree: `plebbot${i}`,
    host: `10.77.1.${i % 250}`,
    statusPort: 8480,
  })
  const pool = inputs.map(
    (x) =>
      JSON.parse(
        JSON.stringify(
          serializeChildPayload(
            buildChildPayload(
              {
                index: x.index,
                parentTree: 'plebbot2930',
                // The payload's tree must be the parent's plus the index (parseChildPayload checks it).
                parentContact: { ...contact(1), tree: 'plebbot2930' },
                parentContacts: [contact(2), contact(3)],
                parentGenome: x.genome,
                parentQTable: x.qtable,
                parentConfig: x.config,
                runningVersion: '0.1.0',
                state: { provider: 'linevast', option: 'basic' },
                purchase: {
                  txid: 'cd'.repeat(32),
                  provider: 'linevast',
                  option: 'basic',
                  priceSats: '12345',
                  boughtAtS: 1_700_000_000,
                },
                walletKey: { xprv: 'secret' },
                testnet: x.testnet,
              },
              rng,
            ),
          ),
        ),
      ) as unknown,
  )
  const oracle = (m: JsonMutant): Expect => {
    // walletKey is opaque here (the wallet parses it): anything but its absence passes.
    if (under(m.path, 'walletKey')) return m.path.length === 1 && m.op === 'delete-key' ? 'invalid' : 'any'
    if (under(m.path, 'qtable'))
      return m.path.length === 1 && m.op === 'to-null' ? 'any' : qTableOracle(m, ['qtable'])
    if (under(m.path, 'genome')) return m.path.length === 1 ? 'invalid' : genomeOracle(m, ['genome'])
    if (m.op === 'delete-key')
      return m.path.length === 1 && ['leaseEndS', 'parentAddress'].includes(String(m.path[0]))
        ? 'any'
        : 'invalid'
    return LOOSE_OPS.has(m.op) ? 'any' : 'invalid'
  }
  return {
    name: 'child payload',
    cases: jsonCases(pool, oracle, { textChanged: 'any', arbitrary: 'invalid' }),
    parse: throwing(parseChildPayload),
    roundTrip: (input, value) =>
      sameJson(
        JSON.parse(JSON.stringify(serializeChildPayload(value as ReturnType<typeof parseChildPayload>))),
        input,
      )
        ? undefined
        : 'payload differs',
  }
}

const stateArb: fc.Arbitrary<LifecycleState> = fc.record({
  version: fc.constant(1 as const),
  birthMs: fc.integer({ min: 0, max: 2 ** 45 }),
  expirationMs: fc.integer({ min: 0, max: 2 ** 45 }),
  items: fc.array(
    fc.record({
      id: fc.integer({ min: 0, max: 1e9 - 1 }).map((n) => `p${n}`),
      provider: fc.string({ minLength: 1, maxLength: 64 }),
      option: fc.string({ minLength: 1, maxLength: 128 }),
      priceSats: fc.bigInt({ min: 0n, max: 10n ** 16n - 1n }),
      stage: fc.constantFrom('buying', 'bought', 'installing', 'installed', 'dowered', 'failed' as const),
      purchaseId: fc.option(fc.string({ maxLength: 200 }), { nil: null }),
      txid: fc.option(fc.string({ maxLength: 200 }), { nil: null }),
      ip: fc.option(fc.string({ maxLength: 64 }), { nil: null }),
      leaseEndMs: fc.option(fc.integer(), { nil: null }),
      childTree: fc.option(fc.string({ maxLength: 1000 }), { nil: null }),
      childIndex: fc.option(fc.nat(), { nil: null }),
      attempts: fc.nat(),
      nextTryMs: fc.integer(),
      sinceMs: fc.integer(),
    }),
    { maxLength: 3 },
  ),
  excludedProviders: fc.array(fc.string({ maxLength: 64 }), { maxLength: 3 }),
  providerFailures: fc.dictionary(fc.stringMatching(/^[a-z]{1,10}$/), fc.nat()),
  heirPaid: fc.boolean(),
  heirSweeps: fc.nat(),
  handOverFloorSats: fc.bigInt({ min: 0n, max: 10n ** 16n - 1n }),
  events: fc.array(
    fc.record({
      atMs: fc.integer(),
      kind: fc.string({ maxLength: 64 }),
      text: fc.string({ maxLength: 200 }),
    }),
    { maxLength: 3 },
  ),
})

/** `parseLifecycle` over the state file's text. */
export function lifecycleSurface(): Surface<unknown> {
  const pool = fc
    .sample(stateArb, { numRuns: POOL, seed: 23 })
    .map((s) => JSON.parse(serializeLifecycle(s)) as unknown)
  const oracle = (m: JsonMutant): Expect => {
    // providerFailures is a record: another key with a count, or one fewer, is still a state.
    if (under(m.path, 'providerFailures') && m.path.length === 2 && m.op !== 'proto-key')
      return m.op === 'delete-key' || m.op === 'unknown-key' || m.op === 'huge-number' ? 'any' : 'invalid'
    if (m.op === 'delete-key') {
      const last = String(m.path[m.path.length - 1])
      return ['heirSweeps', 'handOverFloorSats', 'leaseEndMs'].includes(last) ? 'any' : 'invalid'
    }
    return LOOSE_OPS.has(m.op) ? 'any' : 'invalid'
  }
  return {
    name: 'lifecycle state',
    // The parser reads text: a JSON value is stringified first, a non-JSON mutant is passed as is.
    cases: jsonCases(pool, oracle, { textChanged: 'any', arbitrary: 'invalid' }).map((c) => ({
      ...c,
      input: c.label.endsWith('(not JSON)') ? c.input : (JSON.stringify(c.input) ?? 'undefined'),
    })),
    parse: throwing((text) => parseLifecycle(String(text))),
    roundTrip: (text, value) =>
      sameJson(JSON.parse(serializeLifecycle(value as LifecycleState)), JSON.parse(String(text)))
        ? undefined
        : 'state differs',
  }
}

const baseStatus: AgentStatus = {
  format: 'dolly-status',
  version: 1,
  publicKey: 'c'.repeat(64),
  tree: 'genesis.0',
  parentTree: 'genesis',
  parentPublicKey: 'd'.repeat(64),
  hostIp: '10.77.1.2',
  genome: null,
  testnet: false,
  exitNode: false,
  softwareVersion: '0.1.0',
  startedAtMs: 1000,
  heartbeatAtMs: 5000,
  heartbeats: 2,
}

/**
 * `decodeStatus`, what `fetchStatus` applies to another agent's reply (a full or a public status
 * document); it refuses with REPLICATION_STATUS_MALFORMED.
 */
export function statusSurface(): Surface<unknown> {
  const pool: unknown[] = [
    baseStatus,
    {
      ...baseStatus,
      parentTree: null,
      parentPublicKey: null,
      heartbeatAtMs: null,
      genome: serializeGenome(createRootGenome({ providers: ['a'], version: '0.1.0', exitNode: true })),
    },
    {
      ...baseStatus,
      lifecycle: {
        worldNowMs: 10,
        birthMs: 0,
        leaseEndMs: 100,
        self: { provider: 'linevast', option: 'basic' },
        qtable: null,
        genome: null,
        stopBuyingAtMs: 50,
        sweepAtMs: 90,
        spendableSats: '1000',
        children: [{ tree: 'genesis.0.1', ip: null, provider: 'linevast', option: 'basic' }],
        pending: 0,
        excludedProviders: ['x'],
        idle: null,
        earning: 'not earning',
        market: 'no market',
        lifeExpectancy: { childrenAffordable: '2', viable: true, daysLeft: 3.5 },
        events: [{ atMs: 1, kind: 'born', text: 'hello' }],
      },
    },
  ]
  const oracle = (m: JsonMutant): Expect => {
    if (
      under(m.path, 'genome') ||
      (under(m.path, 'lifecycle') && ['qtable', 'genome'].includes(String(m.path[1])))
    )
      return m.path.length > (under(m.path, 'genome') ? 1 : 2) || m.op !== 'delete-key' ? 'any' : 'invalid'
    if (m.op === 'delete-key') return m.path.length === 1 && m.path[0] === 'lifecycle' ? 'any' : 'invalid'
    return LOOSE_OPS.has(m.op) ? 'any' : 'invalid'
  }
  return {
    name: 'status reply',
    cases: jsonCases(pool, oracle, { textChanged: 'any', arbitrary: 'invalid' }),
    parse: throwing(decodeStatus),
    roundTrip: (input, value) => (sameJson(value, input) ? undefined : 'status differs'),
  }
}
