import { spawn } from 'node:child_process'
import { COMMAND_TIMEOUT_MS, HOST_PATH } from '../constants.ts'
import { HostsError } from '../errors.ts'

/** Outcome of a finished command. */
export interface CommandResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link runCommand}. */
export interface RunOptions {
  readonly input?: string
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

/** Output kept per stream (bytes); helper commands print little, a runaway one must not eat memory. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024

/**
 * Runs `argv` (no shell) with a clean environment and collects its output; resolves on any exit code,
 * rejects only when it could not be started, timed out or was aborted.
 */
export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv
  if (file === undefined) return Promise.reject(new HostsError('WORLD_HOSTS_COMMAND_FAILED', 'empty command'))
  const timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { PATH: HOST_PATH, HOME: '/root', LANG: 'C.UTF-8' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let outBytes = 0
    let errBytes = 0
    child.stdout.on('data', (b: Buffer) => {
      if ((outBytes += b.length) <= MAX_OUTPUT_BYTES) out.push(b)
    })
    child.stderr.on('data', (b: Buffer) => {
      if ((errBytes += b.length) <= MAX_OUTPUT_BYTES) err.push(b)
    })
    let failure: unknown
    const timer = setTimeout(() => {
      failure = new HostsError(
        'WORLD_HOSTS_COMMAND_FAILED',
        `${argv.join(' ')} did not finish within ${timeoutMs} ms`,
        {
          command: file,
          timeoutMs,
        },
      )
      child.kill('SIGKILL')
    }, timeoutMs)
    const onAbort = (): void => {
      failure = options.signal?.reason ?? new DOMException('The operation was aborted', 'AbortError')
      child.kill('SIGKILL')
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    child.on('error', (e) => {
      failure ??= new HostsError(
        'WORLD_HOSTS_COMMAND_FAILED',
        `could not start ${file}: ${e.message}`,
        { command: file },
        { cause: e },
      )
    })
    child.on('close', (code, sig) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      if (failure !== undefined) {
        reject(failure)
        return
      }
      resolve({
        exitCode: code ?? (sig === null ? 1 : 128),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      })
    })
    child.stdin.on('error', () => {
      // The command may exit before reading its stdin (EPIPE); its exit code tells what happened.
    })
    child.stdin.end(options.input ?? '')
  })
}

/** Runs `argv` and throws `WORLD_HOSTS_COMMAND_FAILED` (with stderr) unless it exits 0; returns stdout. */
export async function runChecked(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await runCommand(argv, options)
  if (result.exitCode !== 0) {
    throw new HostsError(
      'WORLD_HOSTS_COMMAND_FAILED',
      `${argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim().slice(0, 500)}`,
      { command: argv[0], exitCode: result.exitCode },
    )
  }
  return result.stdout
}
