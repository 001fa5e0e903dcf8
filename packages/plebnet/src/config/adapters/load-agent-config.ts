import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CONFIG_FILE } from '../../daemon/adapters/agent-home.ts'
import { readAgentConfig, type AgentConfig } from '../agent-config.ts'

/**
 * Reads the agent's config (defaults, file, environment). Its own module, apart from the agent's
 * runtime, so the daemon reads its config without loading the wallet and the tick's code.
 */
export async function loadAgentConfig(
  home: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AgentConfig> {
  const text = await readFile(join(home, CONFIG_FILE), 'utf8').catch(() => '')
  return readAgentConfig(text, env)
}
