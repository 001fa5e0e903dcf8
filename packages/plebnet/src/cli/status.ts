import type { Command } from 'commander'
import type { CliIo } from '@dolly/base'
import type { AnyStatus } from '../daemon/status.ts'
import { STATUS_PORT } from '../replication/constants.ts'

/** How long `status` waits for an agent's API (ms). */
const STATUS_TIMEOUT_MS = 5_000

/**
 * Reads `GET <url>/status`: the full document when `token` is the agent's status token (or the
 * agent is on loopback), else the public part; undefined when nothing answers or the answer is not
 * a status document.
 */
export async function fetchStatus(
  url: string,
  options: { signal?: AbortSignal; timeoutMs?: number; token?: string } = {},
): Promise<AnyStatus | undefined> {
  // The schemas (zod) load on the first call, not when a command tree that holds `status` is built.
  const { parseAnyStatus } = await import('../daemon/status.ts')
  const signals = [
    AbortSignal.timeout(options.timeoutMs ?? STATUS_TIMEOUT_MS),
    ...(options.signal === undefined ? [] : [options.signal]),
  ]
  try {
    const response = await fetch(`${url}/status`, {
      signal: AbortSignal.any(signals),
      ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
    })
    if (!response.ok) return undefined
    return parseAnyStatus(await response.json())
  } catch {
    return undefined
  }
}

/** Registers `plebnet status [--json] [--host IP[:port]]`. */
export function registerStatusCommands(program: Command, io: CliIo): void {
  program
    .command('status')
    .description(
      `show an agent's status from its read-only API (default: this machine's daemon on port ${STATUS_PORT})`,
    )
    .option('--host <ip[:port]>', "a remote agent's status API")
    .option('--json', 'machine-readable output')
    .action(async (opts: { host?: string; json?: boolean }, cmd: Command) => {
      const { showStatus } = await import('./status-run.ts')
      await showStatus(io, { ...opts, home: String(cmd.optsWithGlobals()['home']) })
    })
}
