import { homedir } from 'node:os'
import { join } from 'node:path'
import { processIo, runCli } from '@dolly/base'
import { PLEBNET_CLI_EXIT_STATUS } from './exit-status.ts'
import { buildPlebnetProgram } from './program.ts'

// Composition root of the `plebnet` executable.
const configHome = process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config')
const io = processIo()
const program = buildPlebnetProgram(io, { home: process.env['PLEBNET_HOME'] ?? join(configHome, 'plebnet') })
process.exitCode = await runCli(program, process.argv.slice(2), io, PLEBNET_CLI_EXIT_STATUS)
