import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '@dolly/base'
import {
  MAX_ABS_TABLE_VALUE,
  MAX_OFFERS,
  isOfferId,
  type RemoteTables,
  EMPTY_INBOX,
  receiveRemote,
  type PeerStanding,
  type RemoteEntry,
  type RemoteInbox,
  type RemoteQ,
} from '@dolly/learning'
import type { AgentNetwork } from '../agent-network.ts'
import { INBOX_MAX_STRANGER_TABLES, INBOX_MAX_TABLES } from '../constants.ts'
import { NetworkError } from '../errors.ts'

/**
 * The learning port `RemoteTables` over the overlay. Two adapters, one rule: the latest table per
 * sender, bounded like the overlay's inbox, each version merged once.
 *
 * * `overlayRemoteTables`: for a tick handed the running overlay in its own process (tests today;
 *   the daemon's tick once it is given the network component's `network()`).
 * * `fileRemoteTables`: over `remote-qtables.json`, which the daemon's network component rewrites
 *   every few seconds, for a tick in another process (`plebnet check`, and today the daemon's tick
 *   too: `runTick` opens the agent from its home). What was merged is remembered in
 *   `remote-qtables-used.json` (sender → version received), so a table is used once across processes.
 *
 * Use one adapter per agent home: the two do not share what they marked used.
 */

/** File in the agent home with the neighbours' latest Q-tables (the daemon writes it), for the learning tick to merge. */
export const REMOTE_QTABLES_FILE = 'remote-qtables.json'
/** File in the agent home with the versions of remote tables already merged (sender → receivedMs). */
export const REMOTE_QTABLES_USED_FILE = 'remote-qtables-used.json'

const INBOX_LIMITS = { maxTables: INBOX_MAX_TABLES, maxStrangerTables: INBOX_MAX_STRANGER_TABLES }

const senderSchema = z.string().regex(/^[0-9a-f]{64}$/)
const msSchema = z.number().int().nonnegative()
const cell = z.number().min(-MAX_ABS_TABLE_VALUE).max(MAX_ABS_TABLE_VALUE)
const entrySchema = z
  .strictObject({
    senderId: senderSchema,
    receivedMs: msSchema,
    standing: z.enum(['family', 'known', 'stranger']),
    knownSinceMs: msSchema,
    offers: z.array(z.string().refine(isOfferId)).max(MAX_OFFERS),
    q: z.array(z.array(cell).max(MAX_OFFERS)).max(MAX_OFFERS),
    // Written by daemons before issue 15 (the whole parsed table); never read.
    e: z.array(z.array(cell).max(MAX_OFFERS)).max(MAX_OFFERS).optional(),
    counters: z.array(z.number()).max(MAX_OFFERS).optional(),
  })
  .refine((e) => e.q.length === e.offers.length && e.q.every((row) => row.length === e.offers.length), {
    message: 'q must be offers × offers',
  })
  .refine((e) => new Set(e.offers).size === e.offers.length, { message: 'offers must be unique' })
const fileSchema = z.strictObject({
  format: z.literal('dolly-remote-qtables'),
  version: z.literal(1),
  entries: z.array(entrySchema).max(INBOX_MAX_TABLES),
})
const usedSchema = z.strictObject({
  format: z.literal('dolly-remote-qtables-used'),
  version: z.literal(1),
  used: z.record(senderSchema, msSchema),
})

/** One line of `remote-qtables.json`: a neighbour's latest table as QD-learning reads it. */
export interface RemoteEntryFile extends RemoteQ {
  readonly senderId: string
  readonly receivedMs: number
  /** The sender's standing when received (network/standing.ts): the learning tick weighs by it. */
  readonly standing: PeerStanding
  readonly knownSinceMs: number
}

/** `true` when `entry` is the very version `taken` holds for its sender. */
const sameVersion = (entry: RemoteEntry, taken: readonly RemoteEntry[]): boolean =>
  taken.some((t) => t.senderId === entry.senderId && t.receivedMs === entry.receivedMs)

/**
 * Remote tables kept in memory from the overlay's accepted `qtable/<id>` entries (`onQTable`), the
 * latest per sender within the inbox bounds (standing decides eviction, `receiveRemote`).
 * `close()` unsubscribes.
 */
export function overlayRemoteTables(
  network: Pick<AgentNetwork, 'onQTable'>,
): RemoteTables & { close(): void } {
  let inbox: RemoteInbox = EMPTY_INBOX
  const off = network.onQTable((entry) => {
    inbox = receiveRemote(inbox, entry, INBOX_LIMITS)
  })
  return {
    pending: () => Promise.resolve(inbox),
    markUsed(taken) {
      inbox = { entries: inbox.entries.filter((e) => !sameVersion(e, taken)) }
      return Promise.resolve()
    },
    close: off,
  }
}

/**
 * The JSON of `remote-qtables.json` for `inbox`: one line per sender (`RemoteEntryFile` of
 * network-component.ts), as the daemon writes it and `readRemoteEntries` reads it back.
 */
export function remoteTablesFile(inbox: RemoteInbox): {
  readonly format: 'dolly-remote-qtables'
  readonly version: 1
  readonly entries: readonly RemoteEntryFile[]
} {
  return {
    format: 'dolly-remote-qtables',
    version: 1,
    entries: inbox.entries.map((e) => ({
      senderId: e.senderId,
      receivedMs: e.receivedMs,
      standing: e.standing,
      knownSinceMs: e.knownSinceMs,
      // Only what QD-learning reads: a gossiped table arrives parsed as a whole QTable (E, counters).
      offers: e.table.offers,
      q: e.table.q,
    })),
  }
}

/** The JSON in `path`; undefined when there is no file. */
async function readJsonFile(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined
    throw err
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new NetworkError('NETWORK_ENTRY_MALFORMED', `${path} is not JSON`, { path })
  }
}

/**
 * Every entry of `<home>/remote-qtables.json` (empty when the daemon has not written one), checked.
 *
 * @throws NetworkError NETWORK_ENTRY_MALFORMED when the file is not the daemon's format
 */
export async function readRemoteEntries(home: string): Promise<RemoteEntry[]> {
  const path = join(home, REMOTE_QTABLES_FILE)
  const json = await readJsonFile(path)
  if (json === undefined) return []
  const parsed = fileSchema.safeParse(json)
  if (!parsed.success)
    throw new NetworkError('NETWORK_ENTRY_MALFORMED', `${path} is malformed: ${parsed.error.message}`, {
      path,
    })
  return parsed.data.entries.map((e) => ({
    senderId: e.senderId,
    receivedMs: e.receivedMs,
    standing: e.standing,
    knownSinceMs: e.knownSinceMs,
    table: { offers: e.offers, q: e.q },
  }))
}

/** Sender → version already merged; empty when none was (a malformed file counts as none used). */
async function readUsed(home: string): Promise<Record<string, number>> {
  const json = await readJsonFile(join(home, REMOTE_QTABLES_USED_FILE)).catch(() => undefined)
  const parsed = usedSchema.safeParse(json)
  return parsed.success ? parsed.data.used : {}
}

/**
 * Remote tables from the file the daemon writes (see the module comment). `pending` leaves out the
 * versions already merged; `markUsed` records the taken ones, forgetting senders the file no
 * longer holds, so the record stays as small as the inbox.
 */
export function fileRemoteTables(home: string): RemoteTables {
  return {
    async pending() {
      const used = await readUsed(home)
      const entries = (await readRemoteEntries(home)).filter(
        (e) => !Object.hasOwn(used, e.senderId) || (used[e.senderId] ?? -1) < e.receivedMs,
      )
      return { entries }
    },
    async markUsed(taken) {
      if (taken.length === 0) return
      const held = new Set((await readRemoteEntries(home)).map((e) => e.senderId))
      const before = await readUsed(home)
      const used: Record<string, number> = {}
      for (const [sender, ms] of Object.entries(before)) if (held.has(sender)) used[sender] = ms
      for (const t of taken) used[t.senderId] = Math.max(used[t.senderId] ?? 0, t.receivedMs)
      await writeFileAtomic(
        join(home, REMOTE_QTABLES_USED_FILE),
        `${JSON.stringify({ format: 'dolly-remote-qtables-used', version: 1, used })}\n`,
        { mode: 0o600, dirMode: 0o700 },
      )
    },
  }
}
