import { CommanderError, type Command } from 'commander'
import { errorCode, toJsonSafe } from '../errors.ts'
import { EXIT, exitStatusOf, type ExitStatusMap } from '../exit-status.ts'
import { redactFields } from '../logger.ts'
import { scrubSecrets } from '../redact.ts'

/**
 * Shared conventions of every CLI (`plebnet`, `cloudomate`, `dolly`): `--help` everywhere, `--json`
 * for scripts, exit 0 on success, 1 on failure, 2 on bad usage or bad input.
 */

export { EXIT }

/** Where a CLI writes; injectable so tests can capture output without a process. */
export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

/** The process's stdout/stderr. */
export function processIo(): CliIo {
  // A reader that went away (`dolly … | head`) is not an error of ours: stop quietly, as Unix tools do.
  process.stdout.once('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.OK)
    throw err
  })
  return {
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  }
}

/** Prints `value` as JSON (bigints as strings) when `json` is set, else the human text. */
export function emit(io: CliIo, json: boolean | undefined, value: unknown, human: () => string): void {
  io.out(json === true ? JSON.stringify(toJsonSafe(value), null, 2) : human())
}

/**
 * Runs a commander program with the shared conventions and returns the exit code (the caller sets
 * `process.exitCode`). Usage errors print commander's message and exit 2; DollyErrors print
 * `code: message` (or the error's JSON when `--json` is among the arguments) and exit with the status
 * `exitStatus` maps their code to (the merged `*_EXIT_STATUS` maps of the packages the CLI uses); an
 * error without a listed code exits 1.
 */
export async function runCli(
  program: Command,
  argv: readonly string[],
  io: CliIo,
  exitStatus: ExitStatusMap,
): Promise<number> {
  const json = argv.includes('--json')
  const configure = (cmd: Command): void => {
    cmd.exitOverride()
    cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    cmd.showHelpAfterError('(add --help for usage)')
    for (const sub of cmd.commands) configure(sub)
  }
  configure(program)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT.OK
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0)
        return EXIT.OK
      return EXIT.USAGE
    }
    const code = errorCode(err)
    // Messages and details may quote a URL with credentials or a config line (issue 14): scrubbed.
    const message = scrubSecrets(err instanceof Error ? err.message : String(err))
    if (json) {
      const body =
        typeof (err as { toJSON?: unknown }).toJSON === 'function'
          ? (err as { toJSON(): unknown }).toJSON()
          : { message }
      io.out(JSON.stringify(redactFields({ error: toJsonSafe(body) }), null, 2))
    } else {
      io.err(code === undefined ? `error: ${message}` : `error ${code}: ${message}`)
    }
    if (code === undefined) {
      if (err instanceof Error && err.stack !== undefined) io.err(scrubSecrets(err.stack))
      return EXIT.FAILURE
    }
    return exitStatusOf(code, exitStatus)
  }
}
