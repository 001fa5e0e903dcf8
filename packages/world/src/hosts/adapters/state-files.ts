import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '@dolly/base'
import { parseHostRecord, parseNetworkRecord, type HostRecord, type NetworkRecord } from '../records.ts'

/** Where a state directory keeps what the provisioner made. */
export interface StatePaths {
  readonly networksDir: string
  readonly hostsDir: string
  readonly layersDir: string
}

/** The layout under `stateDir`. */
export function statePaths(stateDir: string): StatePaths {
  return {
    networksDir: join(stateDir, 'host-networks'),
    hostsDir: join(stateDir, 'host-records'),
    layersDir: join(stateDir, 'host-layers'),
  }
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 })
}

/** One record file: its parsed value, or why it could not be read. */
export type RecordFile<T> =
  { readonly path: string; readonly record: T } | { readonly path: string; readonly error: unknown }

async function readRecordFiles<T>(dir: string, parse: (value: unknown) => T): Promise<RecordFile<T>[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const out: RecordFile<T>[] = []
  for (const name of names.sort()) {
    const path = join(dir, name)
    // A `.tmp` is a record whose write was cut short; it never got renamed, so nothing was made for it.
    if (name.endsWith('.tmp')) await rm(path, { force: true })
    if (!name.endsWith('.json')) continue
    try {
      out.push({ path, record: parse(JSON.parse(await readFile(path, 'utf8')) as unknown) })
    } catch (error) {
      out.push({ path, error })
    }
  }
  return out
}

/** Writes a network record (before the bridge is created). */
export async function writeNetworkRecord(stateDir: string, record: NetworkRecord): Promise<string> {
  const { networksDir } = statePaths(stateDir)
  await mkdir(networksDir, { recursive: true, mode: 0o700 })
  const path = join(networksDir, `${record.bridge}.json`)
  await writeJsonAtomic(path, record)
  return path
}

/** Writes a host record (before any of its resources is created). */
export async function writeHostRecord(stateDir: string, record: HostRecord): Promise<string> {
  const { hostsDir } = statePaths(stateDir)
  await mkdir(hostsDir, { recursive: true, mode: 0o700 })
  const path = join(hostsDir, `${record.id}.json`)
  await writeJsonAtomic(path, record)
  return path
}

/** Every network record file under `stateDir`, parsed where possible. */
export function readNetworkRecords(stateDir: string): Promise<RecordFile<NetworkRecord>[]> {
  return readRecordFiles(statePaths(stateDir).networksDir, parseNetworkRecord)
}

/** Every host record file under `stateDir`, parsed where possible. */
export function readHostRecords(stateDir: string): Promise<RecordFile<HostRecord>[]> {
  return readRecordFiles(statePaths(stateDir).hostsDir, parseHostRecord)
}

/** Removes a record file; a missing one is fine (idempotent teardown). */
export async function removeRecord(path: string): Promise<void> {
  await rm(path, { force: true })
}
