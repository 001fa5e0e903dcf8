import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '@dolly/base'
import { join } from 'node:path'
import { ReplicationError } from '../../replication/errors.ts'
import { AGENT_RECORD_FILE, AgentRecordSchema, type AgentRecord } from '../agent-record.ts'

/** File names in the agent home (AGENT.md §5.2). */
export const GENOME_FILE = 'genome.json'
/** The Q-table file (AGENT.md §5.2). */
export const QTABLE_FILE = 'qtable.json'
/** The sell strategy's state and the order being placed (agent/effects/sell.ts). */
export const SELL_STATE_FILE = 'strategy.json'
/** The INI config (AGENT.md §4). */
export const CONFIG_FILE = 'plebnet_setup.cfg'
/** The encrypted keystore (the family key tree's root; AGENT.md §5.2). */
export const WALLET_FILE = 'wallet.json'
/** The wallet's UTXO and payment journal (SQLite). */
export const WALLET_DB_FILE = 'wallet.sqlite'
/** cloudomate's purchase journal (one JSON line per step of every purchase). */
export const PURCHASE_JOURNAL_FILE = 'purchase_journal.jsonl'
/** cloudomate's per-purchase accounts (one 0600 file per purchase). */
export const PURCHASES_DIR = 'purchases'

/** Reads and parses a JSON file; undefined when it does not exist. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined
    throw err
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new ReplicationError(
      'REPLICATION_STATE_MALFORMED',
      `${path} is not JSON; restore it from a backup`,
      { path },
      { cause: err },
    )
  }
}

/**
 * Reads `<home>/agent.json`; undefined before `setup`.
 *
 * @throws ReplicationError REPLICATION_STATE_MALFORMED
 */
export async function readAgentRecord(home: string): Promise<AgentRecord | undefined> {
  const path = join(home, AGENT_RECORD_FILE)
  const json = await readJsonFile(path)
  if (json === undefined) return undefined
  const parsed = AgentRecordSchema.safeParse(json)
  if (!parsed.success) {
    throw new ReplicationError(
      'REPLICATION_STATE_MALFORMED',
      `${path} is malformed: ${parsed.error.message}`,
      { path },
    )
  }
  return parsed.data
}

/** Writes `<home>/agent.json` atomically (0600: it lists contacts). */
export async function writeAgentRecord(home: string, record: AgentRecord): Promise<void> {
  await writeFileAtomic(join(home, AGENT_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`, {
    mode: 0o600,
    dirMode: 0o700,
  })
}
