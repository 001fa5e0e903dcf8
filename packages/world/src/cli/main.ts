import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { processIo, runCli } from '@dolly/base'
import { DOLLY_CLI_EXIT_STATUS } from './exit-status.ts'
import { buildDollyProgram } from './program.ts'

// Composition root of the `dolly` executable.
const dataHome = process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share')
const io = processIo()
const program = buildDollyProgram(io, {
  defaultWorldDir: process.env['DOLLY_WORLD_DIR'] ?? join(dataHome, 'dollynator', 'world'),
  realNowMs: () => Date.now(),
  pid: process.pid,
  selfCommand: [process.execPath, fileURLToPath(import.meta.url)],
  // packages/world/src/cli → the repository root, whose working tree the release server publishes.
  repoDir: fileURLToPath(new URL('../../../../', import.meta.url)),
})
process.exitCode = await runCli(program, process.argv.slice(2), io, DOLLY_CLI_EXIT_STATUS)
