import type { Command } from 'commander'
import { parseIni, type Ini } from '../config.ts'
import type { CloudomateCliEnv } from './env.ts'

/** What every cloudomate subcommand reads from the global flags: home, --json, and the config file. */
export interface CommandContext {
  readonly globals: (cmd: Command) => Record<string, unknown>
  readonly home: (cmd: Command) => string
  readonly json: (cmd: Command) => boolean
  /** `-c CONFIG`, else `<home>/cloudomate.cfg`; a missing file is an empty config. */
  readonly loadIni: (cmd: Command) => Promise<Ini>
}

/** Builds the shared readers of the global flags for the `vps` and `vpn` command trees. */
export function commandContext(env: CloudomateCliEnv): CommandContext {
  const globals = (cmd: Command): Record<string, unknown> => cmd.optsWithGlobals()
  const home = (cmd: Command): string => String(globals(cmd)['home'] ?? env.defaultHome)
  return {
    globals,
    home,
    json: (cmd) => globals(cmd)['json'] === true,
    async loadIni(cmd) {
      const config = globals(cmd)['config']
      const path = typeof config === 'string' ? config : `${home(cmd)}/cloudomate.cfg`
      const text = await env.readText(path)
      return text === undefined ? new Map() : parseIni(text, path)
    },
  }
}
