import { z } from 'zod'
import { MAX_ABS_TABLE_VALUE, MAX_COUNTER, MAX_OFFER_ID_CHARS, MAX_OFFERS } from './constants.ts'
import { DecisionError } from './errors.ts'
import type { QTable } from './q-table.ts'
import { parseWire, versionOf } from './wire.ts'

/** Version of the Q-table wire format (`qtable.json`, child hand-over, gossip `qtable/<id>`). */
export const QTABLE_FORMAT_VERSION = 1

/**
 * True for a string `offerId` can produce: non-empty, lower-case (`lower()` is idempotent, so an id
 * with an upper-case letter was not made by `offerId`), at most MAX_OFFER_ID_CHARS code units. Any
 * other character is allowed: a shop may name a plan `[Promo] 2 GB: 1 core, EU`, and the id grammar
 * of version 1 (`[a-z0-9 ._+()/-]`, 96 characters) refused such tables, and with them the install of
 * a server already paid for (issue 14). JSON carries any string, so the wire format is unchanged and
 * every table written under the old grammar still reads. `__proto__` is the one exception: the wire
 * refuses that key anywhere (`parseWire`), so a table keyed by it would be written and never read
 * back (the fuzz suite found that); `offerId` makes it only from an empty or `_` provider name.
 */
export function isOfferId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_OFFER_ID_CHARS && id === id.toLowerCase() && id !== '__proto__'
}

const offerIdSchema = z.string().refine(isOfferId, {
  message: `expected a lower-case offer id of 1..${MAX_OFFER_ID_CHARS} characters`,
})
const cellSchema = z.number().min(-MAX_ABS_TABLE_VALUE).max(MAX_ABS_TABLE_VALUE)
const matrixSchema = z.record(offerIdSchema, z.record(offerIdSchema, cellSchema))

const wireSchema = z.strictObject({
  version: z.literal(QTABLE_FORMAT_VERSION),
  offers: z.array(offerIdSchema).max(MAX_OFFERS),
  qtable: matrixSchema,
  environment: matrixSchema,
  counters: z.record(offerIdSchema, z.number().int().min(0).max(MAX_COUNTER)),
})

/** The JSON form of a Q-table (AGENT.md §5.2 `qtable.json`, learning part). */
export type QTableWire = z.infer<typeof wireSchema>

/** The wire form of a table: plain JSON, rows and columns keyed by offer id. */
export function serializeQTable(table: QTable): QTableWire {
  const matrix = (rows: readonly (readonly number[])[]): Record<string, Record<string, number>> =>
    Object.fromEntries(
      table.offers.map((s, i) => [s, Object.fromEntries(table.offers.map((t, j) => [t, rows[i]?.[j] ?? 0]))]),
    )
  return {
    version: QTABLE_FORMAT_VERSION,
    offers: [...table.offers],
    qtable: matrix(table.q),
    environment: matrix(table.e),
    counters: Object.fromEntries(table.offers.map((t, j) => [t, table.counters[j] ?? 0])),
  }
}

function sameKeys(obj: Readonly<Record<string, unknown>>, ids: ReadonlySet<string>): boolean {
  const keys = Object.keys(obj)
  return keys.length === ids.size && keys.every((k) => ids.has(k))
}

/**
 * Parses a serialized Q-table from a parent or a neighbour. Strict: an unknown version is
 * `PLEBNET_QTABLE_VERSION_UNKNOWN`; unknown keys, duplicate offers, a row or column missing or
 * not listed in `offers`, NaN, ±Infinity or |value| > 1e6 are `PLEBNET_QTABLE_MALFORMED`. The
 * result is all or nothing.
 */
export function parseQTable(input: unknown): QTable {
  const version = versionOf(input)
  if (version !== undefined && version !== QTABLE_FORMAT_VERSION) {
    throw new DecisionError(
      'PLEBNET_QTABLE_VERSION_UNKNOWN',
      `Q-table format version ${String(version)} is not supported (expected ${QTABLE_FORMAT_VERSION}); upgrade the agent or drop the table`,
      { version: String(version), expected: QTABLE_FORMAT_VERSION },
    )
  }
  const wire = parseWire(wireSchema, input, 'PLEBNET_QTABLE_MALFORMED', 'Q-table')
  const ids = new Set(wire.offers)
  const malformed = (why: string): DecisionError =>
    new DecisionError(
      'PLEBNET_QTABLE_MALFORMED',
      `Q-table is malformed: ${why}; refuse it and keep the current state`,
      {
        offers: wire.offers.length,
      },
    )
  if (ids.size !== wire.offers.length) throw malformed('offers are not unique')
  for (const [name, m] of [
    ['qtable', wire.qtable],
    ['environment', wire.environment],
  ] as const) {
    if (!sameKeys(m, ids)) throw malformed(`${name} rows differ from offers`)
    for (const row of Object.values(m))
      if (!sameKeys(row, ids)) throw malformed(`a ${name} row's columns differ from offers`)
  }
  if (!sameKeys(wire.counters, ids)) throw malformed('counters differ from offers')
  const dense = (m: Record<string, Record<string, number>>): number[][] =>
    wire.offers.map((s) => wire.offers.map((t) => m[s]?.[t] ?? 0))
  return {
    offers: [...wire.offers],
    q: dense(wire.qtable),
    e: dense(wire.environment),
    counters: wire.offers.map((t) => wire.counters[t] ?? 0),
  }
}
