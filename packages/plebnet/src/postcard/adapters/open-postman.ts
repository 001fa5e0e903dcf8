import type { Clock, Logger } from '@dolly/base'
import type { IniSections } from '../../config/ini.ts'
import { postcardConfigOf } from '../../config/watch-config.ts'
import { createPostman, type Postman } from '../postman.ts'
import { createChildFactsFiles, createPostcardJournalFile } from './postcard-files.ts'
import { createSmtpMailer } from './smtp-mailer.ts'

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
      childFacts: createChildFactsFiles(home),
      journal: createPostcardJournalFile(home),
      clock: deps.clock,
      log: deps.log,
    },
    { includeSecrets: config.includeSecrets },
  )
}
