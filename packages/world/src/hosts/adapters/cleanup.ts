import { join, resolve } from 'node:path'
import { HostsError } from '../errors.ts'
import { assertHostsSupported } from './preflight.ts'
import { readHostRecords, readNetworkRecords, removeRecord, statePaths } from './state-files.ts'
import { deleteBridge, teardownHost } from './teardown.ts'

/**
 * After a crash of the world: kills, unmounts and deletes whatever the records under `stateDir`
 * name (hosts first, then bridges), and removes the records. Safe to run when nothing is left.
 * Goes on past a record it cannot handle and then throws `WORLD_HOSTS_CLEANUP_INCOMPLETE` naming
 * each one; their record files stay for a second run or a human.
 */
export async function cleanupLeftovers(stateDir: string): Promise<void> {
  assertHostsSupported()
  const dir = resolve(stateDir)
  const problems: { path: string; message: string }[] = []
  const note = (path: string, err: unknown): void => {
    problems.push({ path, message: err instanceof Error ? err.message : String(err) })
  }
  for (const file of await readHostRecords(dir)) {
    if ('error' in file) {
      note(file.path, file.error)
      continue
    }
    if (file.record.layerDir !== join(statePaths(dir).layersDir, file.record.id)) {
      // A record copied from another state directory: its layer is not ours to delete.
      note(file.path, new Error(`layer ${file.record.layerDir} is outside ${statePaths(dir).layersDir}`))
      continue
    }
    try {
      await teardownHost(file.record)
      await removeRecord(file.path)
    } catch (err) {
      note(file.path, err)
    }
  }
  for (const file of await readNetworkRecords(dir)) {
    if ('error' in file) {
      note(file.path, file.error)
      continue
    }
    try {
      await deleteBridge(file.record.bridge)
      await removeRecord(file.path)
    } catch (err) {
      note(file.path, err)
    }
  }
  if (problems.length > 0) {
    throw new HostsError(
      'WORLD_HOSTS_CLEANUP_INCOMPLETE',
      `could not clean up ${problems.length} record(s): ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { problems },
    )
  }
}
