import { appendFileSync } from 'node:fs'
import { noCheckpoint, type Checkpoint } from '@dolly/base'
import { parseKillAt, type KillAt } from '../kill-points.ts'

/** Environment variable that arms the kill: `<step>[:<n>]`, a step of `KILL_POINTS`. */
export const KILL_AT_ENV = 'DOLLY_KILL_AT'
/** Environment variable naming a file the armed step is appended to (`<step>:<n>`) just before the kill. */
export const KILL_LOG_ENV = 'DOLLY_KILL_LOG'

/** What the armed checkpoint does when its step comes: note it, then stop the process. */
export interface KillActions {
  readonly mark: (line: string) => void
  readonly kill: () => void
}

/** A checkpoint that runs `actions` the `at.nth` time `at.step` is reached (counted per checkpoint). */
export function createKillCheckpoint(at: KillAt, actions: KillActions): Checkpoint {
  let reached = 0
  return (step) => {
    if (step !== at.step) return
    reached += 1
    if (reached !== at.nth) return
    actions.mark(`${at.step}:${at.nth}`)
    actions.kill()
  }
}

/**
 * The fault-injection adapter of the kill-point test: with `DOLLY_KILL_AT` set, SIGKILLs this process
 * at that step (after appending it to `DOLLY_KILL_LOG` when set, synchronously, so the line is on
 * disk before the process dies); without it, the no-op checkpoint.
 *
 * @throws LifecycleError LIFECYCLE_CONFIG_INVALID when `DOLLY_KILL_AT` is not a valid kill point
 */
export function killCheckpointFromEnv(env: Readonly<Record<string, string | undefined>>): Checkpoint {
  const armed = env[KILL_AT_ENV]
  if (armed === undefined || armed === '') return noCheckpoint
  const logPath = env[KILL_LOG_ENV]
  return createKillCheckpoint(parseKillAt(armed), {
    mark: (line) => {
      if (logPath !== undefined && logPath !== '') appendFileSync(logPath, `${line}\n`)
    },
    // SIGKILL, not exit(): nothing runs after this point, no finally block, no flush, no lock release.
    kill: () => process.kill(process.pid, 'SIGKILL'),
  })
}
