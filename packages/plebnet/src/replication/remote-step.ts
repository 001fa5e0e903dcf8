import type { AbortOptions } from '@dolly/base'
import { errorCode } from '@dolly/base'
import { ReplicationError } from './errors.ts'
import type { RemoteResult, RemoteShell } from './ports.ts'

/** Runs one step's script on the child, naming the step in every failure. */
export interface StepRunner {
  /** The script's result, whatever its exit code; a lost connection is REPLICATION_SSH_UNREACHABLE. */
  run(shell: RemoteShell, step: string, scriptText: string, input?: string): Promise<RemoteResult>
  /** The script's stdout; a non-zero exit is REPLICATION_REMOTE_FAILED (REPLICATION_SETUP_FAILED in `setup`). */
  check(shell: RemoteShell, step: string, scriptText: string, input?: string): Promise<string>
}

/** The error of a step whose script exited non-zero, with the tail of its output. */
export function remoteFailed(step: string, result: RemoteResult, hint: string): ReplicationError {
  const lines = `${result.stderr}\n${result.stdout}`.trim().split('\n')
  // A Node stack trace buries the reason above its frames: keep the first error line besides the tail.
  const reason = lines.find((l) => /Error|error:/.test(l) && !/^\s+at /.test(l))
  const last = lines.slice(-8)
  const tail = (reason !== undefined && !last.includes(reason) ? [reason, '…', ...last] : last).join('\n')
  return new ReplicationError(
    step === 'setup' ? 'REPLICATION_SETUP_FAILED' : 'REPLICATION_REMOTE_FAILED',
    `step ${step} failed on the child (exit ${result.exitCode}): ${tail.slice(0, 1500)}; ${hint}`,
    { step, exitCode: result.exitCode },
  )
}

/** A {@link StepRunner} for the child at `ip`. */
export function createStepRunner(ip: string, abort: AbortOptions): StepRunner {
  const run: StepRunner['run'] = (shell, step, scriptText, input) =>
    shell.exec(scriptText, { ...abort, ...(input === undefined ? {} : { input }) }).catch((err: unknown) => {
      throw errorCode(err) === 'REPLICATION_SSH_UNREACHABLE'
        ? new ReplicationError(
            'REPLICATION_SSH_UNREACHABLE',
            `lost the connection to ${ip} in step ${step}; run create-child again to resume`,
            { step, ip },
            { cause: err },
          )
        : err
    })
  return {
    run,
    async check(shell, step, scriptText, input) {
      const result = await run(shell, step, scriptText, input)
      if (result.exitCode !== 0) throw remoteFailed(step, result, 'run create-child again to retry')
      return result.stdout
    },
  }
}
