import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Logger } from '@dolly/base'
import { NETWORK_INDEX_MAX, NETWORK_INDEX_MIN } from '../constants.ts'
import { HostsError } from '../errors.ts'
import { planNetwork, type NetworkPlan } from '../naming.ts'
import type { HostNetwork } from '../types.ts'
import { assertHostsSupported, assertToolsPresent } from './preflight.ts'
import { runCommand, runChecked } from './run.ts'
import { deleteBridge } from './teardown.ts'
import { removeRecord, writeNetworkRecord } from './state-files.ts'

/** Options of {@link createHostNetwork}. */
export interface HostNetworkOptions {
  /** Where the network's record is kept for crash cleanup. */
  readonly stateDir: string
  /** Receives `hosts.network.*` events; silent when omitted. */
  readonly log?: Logger
}

/** A network with its plan, as the provisioner sees it. */
export interface PlannedHostNetwork extends HostNetwork {
  /** Index of the /24 (`10.77.<index>.0/24`). */
  readonly index: number
  /**
   * A second machine address on the bridge, outside the hosts' subnet (`10.78.<index>.1`): services
   * bound here look like Internet services to hosts (reached through their default route, so a
   * full-tunnel VPN carries the traffic), whereas the gateway is on their own LAN.
   */
  readonly internetIp: string
  /** The bridge's fixed MAC address: the gateway as hosts see it (see {@link NetworkPlan.bridgeMac}). */
  readonly bridgeMac: string
}

/** Subnets already configured on any link of the machine (e.g. `10.77.3.0/24` of another world). */
async function usedIndexes(): Promise<Set<number>> {
  const out = await runChecked(['ip', '-o', '-4', 'addr', 'show'])
  const used = new Set<number>()
  for (const match of out.matchAll(/inet 10\.7[78]\.(\d{1,3})\.\d{1,3}\//g)) used.add(Number(match[1]))
  return used
}

/**
 * Claims a free index: `ip link add` is atomic, so two worlds starting at once never get the same
 * bridge; an index whose subnet is already configured elsewhere is skipped. The search starts at an
 * index of this process's pid and wraps around, so a world started right after another one went down
 * rarely takes the index just freed (two worlds at once, as the integration tests run them, each
 * check after teardown that nothing of their index is left).
 */
async function claimBridge(stateDir: string): Promise<{ plan: NetworkPlan; recordPath: string }> {
  const used = await usedIndexes()
  const count = NETWORK_INDEX_MAX - NETWORK_INDEX_MIN + 1
  for (let i = 0; i < count; i++) {
    const index = NETWORK_INDEX_MIN + ((process.pid + i) % count)
    if (used.has(index)) continue
    const plan = planNetwork(index)
    // The record is written first so a crash between the two steps still leaves a trace to clean.
    const recordPath = await writeNetworkRecord(stateDir, {
      kind: 'network',
      version: 1,
      index,
      bridge: plan.bridge,
    })
    // A fixed address: see NetworkPlan.bridgeMac (a bridge would otherwise follow its ports' MACs).
    const added = await runCommand([
      'ip',
      'link',
      'add',
      plan.bridge,
      'address',
      plan.bridgeMac,
      'type',
      'bridge',
    ])
    if (added.exitCode === 0) return { plan, recordPath }
    await removeRecord(recordPath)
    if (!/exists/i.test(added.stderr)) {
      throw new HostsError(
        'WORLD_HOSTS_COMMAND_FAILED',
        `ip link add ${plan.bridge} type bridge: ${added.stderr.trim()}`,
        {
          bridge: plan.bridge,
        },
      )
    }
  }
  throw new HostsError(
    'WORLD_HOSTS_NO_FREE_NETWORK',
    `all ${NETWORK_INDEX_MAX} world subnets 10.77.x.0/24 are in use: run 'dolly world down' or remove stale dollybr* links`,
  )
}

/**
 * Creates the world's bridge on a free private /24. The bridge has the gateway address and nothing
 * else: no uplink, no NAT, and forwarding stays as the machine has it (off by default), so nothing
 * on it reaches the outside.
 */
export async function createHostNetwork(options: HostNetworkOptions): Promise<PlannedHostNetwork> {
  assertHostsSupported()
  await assertToolsPresent()
  const stateDir = resolve(options.stateDir)
  const log = options.log?.child({ component: 'hosts.network' })
  const { plan, recordPath } = await claimBridge(stateDir)
  try {
    await runChecked(['ip', 'addr', 'add', `${plan.gatewayIp}/${plan.prefixLength}`, 'dev', plan.bridge])
    await runChecked(['ip', 'addr', 'add', `${plan.internetIp}/32`, 'dev', plan.bridge])
    await runChecked(['ip', 'link', 'set', plan.bridge, 'up'])
  } catch (err) {
    await deleteBridge(plan.bridge)
    await removeRecord(recordPath)
    throw err
  }
  const forwarding = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim()
  if (forwarding !== '0') {
    log?.warn('hosts.network.forwarding_on', {
      bridge: plan.bridge,
      hint: 'net.ipv4.ip_forward=1 on this machine: hosts may reach beyond the bridge',
    })
  }
  log?.info('hosts.network.created', {
    bridge: plan.bridge,
    gatewayIp: plan.gatewayIp,
    subnetCidr: plan.subnetCidr,
    internetIp: plan.internetIp,
  })
  let stopped = false
  return {
    index: plan.index,
    bridge: plan.bridge,
    gatewayIp: plan.gatewayIp,
    subnetCidr: plan.subnetCidr,
    internetIp: plan.internetIp,
    bridgeMac: plan.bridgeMac,
    async stop() {
      if (stopped) return
      await deleteBridge(plan.bridge)
      await removeRecord(recordPath)
      stopped = true
      log?.info('hosts.network.stopped', { bridge: plan.bridge })
    },
  }
}
