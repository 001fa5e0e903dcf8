import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '@dolly/base'
import { parseChildRecord, type ChildRecord, type ChildRecordStore } from '../child-record.ts'

/** Child records as `<home>/children/<ip>.json`, written atomically with mode 0600. */
export function createChildRecordFiles(home: string): ChildRecordStore {
  const dir = join(home, 'children')
  const pathOf = (ip: string): string => join(dir, `${ip.replaceAll(':', '_')}.json`)
  return {
    async load(ip) {
      let text: string
      try {
        text = await readFile(pathOf(ip), 'utf8')
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ENOENT') return undefined
        throw err
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        json = undefined
      }
      return parseChildRecord(json, pathOf(ip))
    },
    async save(record: ChildRecord) {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const path = pathOf(record.ip)
      await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 })
    },
  }
}
