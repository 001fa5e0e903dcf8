import type { Clock, Logger, Rng } from '@dolly/base'
import { runCreateChild } from '../../replication/adapters/create-child-runner.ts'
import { parseCreateChildArgs } from '../../replication/create-child-args.ts'
import type { ChildInstaller } from '../ports.ts'

/**
 * The installer of the agent in `home`: `create-child -i IP -p PASSWORD` over SSH with what the tick
 * knows of the server (replication/adapters/create-child-runner.ts). `clock` is real time: SSH and
 * heartbeat waits do not follow a world's time scale.
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
    const report = await runCreateChild(
      deps,
      home,
      parseCreateChildArgs(['-i', target.ip, '-p', target.rootPassword]),
      { handover: target.handover, ...(target.signal === undefined ? {} : { signal: target.signal }) },
    )
    return { tree: report.tree, index: report.index }
  }
}
