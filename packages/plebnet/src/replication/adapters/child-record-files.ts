import { constants } from 'node:fs'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
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
      const tmp = `${path}.${process.pid}.tmp`
      const handle = await open(tmp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY, 0o600)
      try {
        await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(tmp, path)
    },
  }
}
