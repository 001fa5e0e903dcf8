import { Command } from 'commander'
import type { CliIo } from '@dolly/base'
import { registerWorldCommands, type WorldCliEnv } from './world.ts'
import { registerSimulateCommands } from './simulate.ts'
import { registerGenesisCommands } from './genesis.ts'
import { registerBuybotCommand } from './buybot.ts'
import { registerVisionCommand } from './vision.ts'

/**
 * Builds the `dolly` operator command tree. Each area registers its subcommands from its own file,
 * so adding one never edits another.
 */
export function buildDollyProgram(io: CliIo, env: WorldCliEnv): Command {
  const program = new Command('dolly')
    .description('Operate Dollynator: the local world, the Vision dashboard, the fleet simulator.')
    .showHelpAfterError()
  registerWorldCommands(program, io, env)
  registerSimulateCommands(program, io)
  registerGenesisCommands(program, io, env)
  registerBuybotCommand(program, io, env)
  registerVisionCommand(program, io, env)
  return program
}
