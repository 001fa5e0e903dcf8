import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CONFIG_FILE } from '../../daemon/adapters/agent-home.ts'
import { effectiveIni } from '../agent-config.ts'
import type { IniSections } from '../ini.ts'

/**
 * The agent's effective INI (defaults, `plebnet_setup.cfg`, `PLEBNET_CFG_*`), for the settings read
 * apart from the lifecycle's (`[postcard]`, `[github]`, `[reporter]`: config/watch-config.ts).
 */
export async function loadEffectiveIni(
  home: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<IniSections> {
  const text = await readFile(join(home, CONFIG_FILE), 'utf8').catch(() => '')
  return effectiveIni(text, env)
}
