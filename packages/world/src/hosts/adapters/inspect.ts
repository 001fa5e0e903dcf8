import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import { planNetwork } from '../naming.ts'
import { readHostRecords, readNetworkRecords } from './state-files.ts'
import { netnsPids } from './teardown.ts'

/** A network as its record describes it, and whether its bridge still exists. */
export interface RecordedNetwork {
  readonly bridge: string
  readonly gatewayIp: string
  readonly subnetCidr: string
  readonly internetIp: string
  readonly present: boolean
}

/** A host as its record describes it, and whether any process still runs in it. */
export interface RecordedHost {
  readonly id: string
  readonly hostname: string
  readonly ip: string
  readonly alive: boolean
}

/**
 * What the records under `stateDir` say exists, checked against the machine: for `dolly world
 * status`, which runs in another process than the world that created the hosts.
 */
export async function inspectRecorded(
  stateDir: string,
): Promise<{ networks: RecordedNetwork[]; hosts: RecordedHost[] }> {
  const dir = resolve(stateDir)
  const networks: RecordedNetwork[] = []
  for (const file of await readNetworkRecords(dir)) {
    if (!('record' in file)) continue
    const { record } = file
    const plan = planNetwork(record.index)
    const present = await access(`/sys/class/net/${record.bridge}`).then(
      () => true,
      () => false,
    )
    networks.push({
      bridge: record.bridge,
      gatewayIp: plan.gatewayIp,
      subnetCidr: plan.subnetCidr,
      internetIp: plan.internetIp,
      present,
    })
  }
  const hosts: RecordedHost[] = []
  for (const file of await readHostRecords(dir)) {
    if (!('record' in file)) continue
    const { record } = file
    hosts.push({
      id: record.id,
      hostname: record.hostname,
      ip: record.ip,
      alive: (await netnsPids(record.netns)).length > 0,
    })
  }
  return { networks, hosts }
}
