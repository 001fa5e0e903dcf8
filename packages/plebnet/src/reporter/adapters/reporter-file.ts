import { join } from 'node:path'
import { writeFileAtomic } from '@dolly/base'
import type { ReporterState, ReporterStateStore } from '../reporter.ts'
import { readJsonFile } from '../../daemon/adapters/agent-home.ts'

/** The reporter's state in the agent home. */
export const REPORTER_STATE_FILE = 'reporter.json'

/** A state that reads back as one (anything else starts afresh: the worst case is one more issue). */
function parseState(json: unknown): ReporterState | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const s = json as Record<string, unknown>
  if (s['version'] !== 1 || !Number.isSafeInteger(s['day']) || !Number.isSafeInteger(s['sentToday']))
    return undefined
  const fps = s['fingerprints']
  if (!Array.isArray(fps) || !fps.every((f) => typeof f === 'string' && /^[0-9a-f]{64}$/.test(f)))
    return undefined
  return {
    version: 1,
    day: s['day'] as number,
    sentToday: s['sentToday'] as number,
    fingerprints: fps as string[],
  }
}

/** `<home>/reporter.json`, written atomically (0600). */
export function createReporterFile(home: string): ReporterStateStore {
  const path = join(home, REPORTER_STATE_FILE)
  return {
    async load() {
      try {
        const json = await readJsonFile(path)
        return json === undefined ? undefined : parseState(json)
      } catch {
        return undefined
      }
    },
    save: (state) => writeFileAtomic(path, `${JSON.stringify(state)}\n`, { mode: 0o600, dirMode: 0o700 }),
  }
}
