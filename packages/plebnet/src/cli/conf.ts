import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { emit, type CliIo, writeFileAtomic } from '@dolly/base'

/** Registers `plebnet conf setup <opts>` (AGENT.md §2): writes the given keys to plebnet_setup.cfg. */
export function registerConfCommands(program: Command, io: CliIo): void {
  const conf = program.command('conf').description('the agent configuration (plebnet_setup.cfg)')
  conf
    .command('setup')
    .description(
      'write the given keys: -ic -is -ip -in -ind -it -gu -gp -gt -go -gr -ga -l -v (long forms too)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'options as in the original plebnet conf setup')
    .action(async (argv: string[], _opts: unknown, cmd: Command) => {
      const [{ parseConfSetupArgs }, { setIniValue }, { CONFIG_FILE }] = await Promise.all([
        import('../config/conf-args.ts'),
        import('../config/ini.ts'),
        import('../daemon/adapters/agent-home.ts'),
      ])
      const json = argv.includes('--json')
      const settings = parseConfSetupArgs(argv.filter((a) => a !== '--json'))
      const path = join(String(cmd.optsWithGlobals()['home']), CONFIG_FILE)
      let text = await readFile(path, 'utf8').catch(() => '')
      for (const s of settings) text = setIniValue(text, s.section, s.key, s.value)
      if (settings.length > 0) await writeFileAtomic(path, text, { mode: 0o600, dirMode: 0o700 })
      emit(io, json, { path, written: settings.map((s) => `${s.section}.${s.key}`) }, () =>
        settings.length === 0
          ? 'conf: nothing to write'
          : `conf: wrote ${settings.map((s) => `${s.section}.${s.key}`).join(', ')} to ${path}`,
      )
    })
}
