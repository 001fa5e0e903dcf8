/** Runs the `dolly` CLI as a user would, for the CLI integration tests. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const MAIN = join(import.meta.dirname, '../../src/cli/main.ts')

/** What one `dolly` run printed and its exit code (never throws on a non-zero exit). */
export interface DollyRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `dolly ...args` with the test's Node, killed after `timeoutMs` real ms. */
export async function dolly(args: readonly string[], timeoutMs = 200_000): Promise<DollyRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], { timeout: timeoutMs })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/** The CLI's entry file (for tests that spawn it themselves, e.g. to send it Ctrl-C). */
export const DOLLY_MAIN = MAIN
