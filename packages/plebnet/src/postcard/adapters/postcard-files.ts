import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '@dolly/base'
import { parseGenome, serializeGenome } from '@dolly/learning'
import { createChildRecordFiles } from '../../replication/adapters/child-record-files.ts'
import { PAYLOAD_DIR } from '../../replication/constants.ts'
import { PAYLOAD_FILE } from '../../replication/payload.ts'
import { parsePostcardJournal } from '../postcard.ts'
import type { ChildFactsSource, PostcardJournalStore } from '../postman.ts'
import { readJsonFile } from '../../daemon/adapters/agent-home.ts'

/** The postcard journal in the agent home. */
export const POSTCARD_JOURNAL_FILE = 'postcards.json'

/**
 * `<home>/postcards.json`, written atomically (0600). A file that is not a journal rejects: the
 * postman then sends nothing rather than every postcard again.
 */
export function createPostcardJournalFile(home: string): PostcardJournalStore {
  const path = join(home, POSTCARD_JOURNAL_FILE)
  return {
    async load() {
      const json = await readJsonFile(path)
      if (json === undefined) return undefined
      const journal = parsePostcardJournal(json)
      if (journal === undefined) throw new Error(`${path} is not a postcard journal`)
      return journal
    },
    save: (journal) =>
      writeFileAtomic(path, `${JSON.stringify(journal, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 }),
  }
}

/**
 * What the parent knows of a child: its genome from the payload it handed over
 * (`child_payload/<index>/payload.json`), the root password it set (`children/<ip>.json`), and the
 * nick the child's bot chose (AGENT.md §11), read from the child's public status when `nickOf` is
 * given and the child answers.
 */
export function createChildFactsFiles(
  home: string,
  nickOf?: (ip: string) => Promise<string | undefined>,
): ChildFactsSource {
  const records = createChildRecordFiles(home)
  return {
    async facts(item) {
      let genome: unknown
      if (item.childIndex !== null) {
        const text = await readFile(
          join(home, PAYLOAD_DIR, String(item.childIndex), PAYLOAD_FILE),
          'utf8',
        ).catch(() => undefined)
        if (text !== undefined) {
          const payload = JSON.parse(text) as { genome?: unknown }
          genome = serializeGenome(parseGenome(payload.genome))
        }
      }
      const record = item.ip === null ? undefined : await records.load(item.ip)
      const nick = item.ip === null ? undefined : await nickOf?.(item.ip).catch(() => undefined)
      return {
        ...(nick === undefined ? {} : { nick }),
        ...(genome === undefined ? {} : { genome }),
        ...(record?.rootPassword == null ? {} : { rootPassword: record.rootPassword }),
      }
    },
  }
}
