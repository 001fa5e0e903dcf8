import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NetworkError } from '../errors.ts'
import { NETWORK_SNAPSHOT_FILE, parseNetworkSnapshot, type NetworkSnapshot } from '../snapshot.ts'

/** Reads `<home>/network.json`; NETWORK_STATUS_UNAVAILABLE when the daemon has not written one. */
export async function readNetworkSnapshot(home: string): Promise<NetworkSnapshot> {
  const path = join(home, NETWORK_SNAPSHOT_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new NetworkError(
      'NETWORK_STATUS_UNAVAILABLE',
      `no ${path}: start the agent with plebnet daemon`,
      { path },
      { cause: err },
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new NetworkError(
      'NETWORK_STATUS_UNAVAILABLE',
      `${path} is not JSON; the daemon rewrites it within seconds`,
      { path },
      { cause: err },
    )
  }
  const snapshot = parseNetworkSnapshot(json)
  if (snapshot === undefined)
    throw new NetworkError(
      'NETWORK_STATUS_UNAVAILABLE',
      `${path} is not a network snapshot of this version`,
      { path },
    )
  return snapshot
}
