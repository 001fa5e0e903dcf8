import type { Clock, Logger } from '@dolly/base'
import type { IniSections } from '../../config/ini.ts'
import { postcardConfigOf } from '../../config/watch-config.ts'
import { fetchStatus } from '../../daemon/adapters/status-client.ts'
import { isFullStatus } from '../../daemon/status.ts'
import { STATUS_PORT } from '../../replication/constants.ts'
import { createPostman, type Postman } from '../postman.ts'
import { createChildFactsFiles, createPostcardJournalFile } from './postcard-files.ts'
import { createSmtpMailer } from './smtp-mailer.ts'

/** Real ms the postman waits for a child's status API when it asks the child's nick. */
const NICK_TIMEOUT_MS = 3_000

/** The nick of the bot of the agent at `ip`, from its status API (the public part names it). */
async function nickAt(ip: string): Promise<string | undefined> {
  const host = ip.includes(':') ? `[${ip}]` : ip
  const status = await fetchStatus(`http://${host}:${STATUS_PORT}`, { timeoutMs: NICK_TIMEOUT_MS })
  if (status === undefined) return undefined
  return isFullStatus(status) ? status.irc?.nick : status.nick
}

/**
 * The postman of the agent in `home` from its `[postcard]` settings; undefined when postcards are
 * off (`postcard.active` 0, or no host, from or to) or a value is bad (logged: a postcard setting
 * must never stop the agent from buying and installing).
 */
export function openPostman(
  deps: { readonly clock: Clock; readonly log: Logger },
  home: string,
  ini: IniSections,
): Postman | undefined {
  let config
  try {
    config = postcardConfigOf(ini)
  } catch (err) {
    deps.log.warn('postcard.config_invalid', { message: err instanceof Error ? err.message : String(err) })
    return undefined
  }
  if (!config.active) return undefined
  return createPostman(
    {
      mailer: createSmtpMailer(config),
      childFacts: createChildFactsFiles(home, nickAt),
      journal: createPostcardJournalFile(home),
      clock: deps.clock,
      log: deps.log,
    },
    { includeSecrets: config.includeSecrets },
  )
}
