import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { WorldError, type WorldErrorCode } from '../../errors.ts'

/** Options of {@link startReadyProcess}. */
export interface ReadyProcessOptions<T> {
  /** The command (no shell). */
  readonly argv: readonly string[]
  /** Reads one stdout line; returns what the process announced once the line says it is ready. */
  readonly readyFrom: (line: string) => T | undefined
  /** How long the process may take to announce itself (ms). */
  readonly timeoutMs: number
  /** The code of the error thrown when it exits or times out first. */
  readonly errorCode: WorldErrorCode
  /** What the process is, for error messages (e.g. `content server`). */
  readonly what: string
  /** Environment of the process (default: the caller's). */
  readonly env?: NodeJS.ProcessEnv
  /** Stops the process and fails the start when aborted before the process is ready. */
  readonly signal?: AbortSignal
  /** Receives each stdout line after the ready line, and every stderr line. */
  readonly onLine?: (stream: 'stdout' | 'stderr', line: string) => void
}

/** A process that announced itself ready. */
export interface ReadyProcess<T> {
  readonly pid: number
  /** What its ready line said. */
  readonly ready: T
  /** Resolves with the exit code (or signal name) when it exits. */
  readonly exited: Promise<number | string>
  /** SIGTERM, then SIGKILL after `graceMs` (default 5000); resolves once it exited. Idempotent. */
  stop(graceMs?: number): Promise<void>
}

/** Lines of stderr kept for an error message. */
const STDERR_TAIL_LINES = 12

/**
 * Starts `argv` and waits until one of its stdout lines satisfies `readyFrom`. Throws a WorldError
 * with `errorCode` (and the last stderr lines) when it exits or the timeout passes first; the
 * process is killed then.
 */
export async function startReadyProcess<T>(options: ReadyProcessOptions<T>): Promise<ReadyProcess<T>> {
  const [file, ...args] = options.argv
  if (file === undefined) throw new WorldError(options.errorCode, `no command for the ${options.what}`, {})
  const child: ChildProcess = spawn(file, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  })
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
    child.once('error', (err) => resolve(err.message))
  })
  const stderrTail: string[] = []
  if (child.stderr !== null) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line)
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift()
      options.onLine?.('stderr', line)
    })
  }
  let stopping: Promise<void> | undefined
  const stop = (graceMs = 5_000): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    })())
  const ready = await new Promise<T>((resolve, reject) => {
    let settled = false
    const fail = (why: string): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void stop(1_000).then(() =>
        reject(
          new WorldError(
            options.errorCode,
            `the ${options.what} ${why}: ${stderrTail.join('\n').slice(-1500)}`,
            { command: file },
          ),
        ),
      )
    }
    const timer = setTimeout(
      () => fail(`did not get ready within ${options.timeoutMs} ms`),
      options.timeoutMs,
    )
    void exited.then((code) => fail(`exited (${String(code)}) before it was ready`))
    if (options.signal?.aborted === true) fail('was stopped before it was ready')
    options.signal?.addEventListener('abort', () => fail('was stopped before it was ready'), { once: true })
    if (child.stdout === null) return
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (settled) {
        options.onLine?.('stdout', line)
        return
      }
      let value: T | undefined
      try {
        value = options.readyFrom(line)
      } catch (err) {
        fail(`announced itself wrongly (${err instanceof Error ? err.message : String(err)})`)
        return
      }
      if (value === undefined) return
      settled = true
      clearTimeout(timer)
      resolve(value)
    })
  })
  return { pid: child.pid ?? 0, ready, exited, stop }
}
