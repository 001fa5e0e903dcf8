import { join } from 'node:path'
import { writeFileAtomic, type Logger } from '@dolly/base'
import {
  createFileAccountStore,
  createFileJournalStore,
  type AccountStore,
  type JournalStore,
} from '@dolly/cloudomate'
import {
  GENOME_FILE,
  PURCHASES_DIR,
  PURCHASE_JOURNAL_FILE,
  QTABLE_FILE,
  SELL_STATE_FILE,
  readAgentRecord,
  readJsonFile,
  writeAgentRecord,
} from '../../daemon/adapters/agent-home.ts'
import { STATE_DB_FILE } from '@dolly/ledger'
import { parseGenome, serializeGenome, parseQTable, serializeQTable } from '@dolly/learning'
import { openLifecycleStore, type LifecycleStore } from '../../lifecycle/adapters/state-store.ts'
import { ReplicationError } from '../../replication/errors.ts'
import { parseSellState, serializeSellState, type SellState } from '../../strategies/sell-state.ts'
import type { AgentStore, DocumentStore } from '../store.ts'

/** Writes `json` to `path` atomically, 0600 in a 0700 directory (the agent's home). */
async function writeJson(path: string, json: unknown, indent?: number): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(json, null, indent)}\n`, { mode: 0o600, dirMode: 0o700 })
}

/** The learned documents of the home: `agent.json`, `genome.json`, `qtable.json` and `strategy.json`. */
export function homeDocuments(home: string): Pick<AgentStore, 'record' | 'genome' | 'qtable' | 'sell'> {
  const genome: DocumentStore<ReturnType<typeof parseGenome>> = {
    load: async () => {
      const json = await readJsonFile(join(home, GENOME_FILE))
      return json === undefined ? undefined : parseGenome(json)
    },
    save: (value) => writeJson(join(home, GENOME_FILE), serializeGenome(value), 2),
  }
  const qtable: DocumentStore<ReturnType<typeof parseQTable>> = {
    load: async () => {
      const json = await readJsonFile(join(home, QTABLE_FILE))
      return json === undefined ? undefined : parseQTable(json)
    },
    save: (value) => writeJson(join(home, QTABLE_FILE), serializeQTable(value)),
  }
  const sellPath = join(home, SELL_STATE_FILE)
  const sell: DocumentStore<SellState> = {
    load: async () => {
      const json = await readJsonFile(sellPath)
      if (json === undefined) return undefined
      try {
        return parseSellState(json)
      } catch (err) {
        throw new ReplicationError(
          'REPLICATION_STATE_MALFORMED',
          `${sellPath} is not a sell state; restore it from a backup`,
          { path: sellPath },
          { cause: err },
        )
      }
    },
    save: (value) => writeJson(sellPath, serializeSellState(value), 2),
  }
  return {
    record: { load: () => readAgentRecord(home), save: (record) => writeAgentRecord(home, record) },
    genome,
    qtable,
    sell,
  }
}

/**
 * The agent's home on disk: the documents above, the lifecycle tables in `state.sqlite` (opened
 * here, closed by `close`), `purchase_journal.jsonl` and `purchases/`. Pass `journal` and `accounts`
 * when the caller already holds them over the same files (cloudomate's purchase deps).
 */
export function openFileAgentStore(
  home: string,
  deps: {
    readonly log: Logger
    readonly journal?: JournalStore
    readonly accounts?: AccountStore
    readonly lifecycle?: LifecycleStore
  },
): AgentStore {
  const lifecycle = deps.lifecycle ?? openLifecycleStore(join(home, STATE_DB_FILE))
  return {
    ...homeDocuments(home),
    lifecycle,
    journal: deps.journal ?? createFileJournalStore(join(home, PURCHASE_JOURNAL_FILE), deps.log),
    accounts: deps.accounts ?? createFileAccountStore(join(home, PURCHASES_DIR)),
    close() {
      lifecycle.close()
    },
  }
}
