import { join } from 'node:path'
import { writeFileAtomic, type Clock, type Logger, type Rng } from '@dolly/base'
import { readAgentRecord } from '../../daemon/adapters/agent-home.ts'
import { createChildRecordFiles } from '../../replication/adapters/child-record-files.ts'
import { runCreateChild } from '../../replication/adapters/create-child-runner.ts'
import { parseCreateChildArgs } from '../../replication/create-child-args.ts'
import type { ChildInstaller, InstallTarget } from '../ports.ts'

/** The name the child finds its WireGuard config under (AGENT.md §3.5: `child_<N>_*` shipped as `own_*`). */
export const OWN_WG_CONF = 'own_wg.conf'

/**
 * The `create-child` arguments that hand the child its VPN (AGENT.md §3.5 step 8): writes
 * `HOME/child_<N>_wg.conf` (mode 0600) and returns `-conf child_<N>_wg.conf own_wg.conf`; empty
 * without a VPN. N is the index create-child gives the server: the one it recorded for this IP,
 * else the parent's next.
 */
export async function childVpnArgs(home: string, target: InstallTarget): Promise<readonly string[]> {
  if (target.wireguard === undefined) return []
  const index =
    (await createChildRecordFiles(home).load(target.ip))?.index ?? (await readAgentRecord(home))?.childIndex
  if (index === undefined) return []
  const path = join(home, `child_${index}_wg.conf`)
  await writeFileAtomic(path, target.wireguard, { mode: 0o600, dirMode: 0o700 })
  return ['-conf', path, OWN_WG_CONF]
}

/**
 * The installer of the agent in `home`: `create-child -i IP -p PASSWORD [-conf …]` over SSH with
 * what the tick knows of the server (replication/adapters/create-child-runner.ts). `clock` is real
 * time: SSH and heartbeat waits do not follow a world's time scale.
 */
export function createSshInstaller(
  deps: {
    readonly clock: Clock
    readonly rng: Rng
    readonly log: Logger
    readonly env: Readonly<Record<string, string | undefined>>
  },
  home: string,
): ChildInstaller {
  return async (target) => {
    const vpnArgs = await childVpnArgs(home, target)
    const report = await runCreateChild(
      deps,
      home,
      parseCreateChildArgs(['-i', target.ip, '-p', target.rootPassword, ...vpnArgs]),
      { handover: target.handover, ...(target.signal === undefined ? {} : { signal: target.signal }) },
    )
    return { tree: report.tree, index: report.index }
  }
}
