import type { Clock, Logger } from '@dolly/base'
import type { IniSections } from '../../config/ini.ts'
import { postcardConfigOf } from '../../config/watch-config.ts'
import { createPostman, type Postman } from '../postman.ts'
import { createChildFactsFiles, createPostcardJournalFile } from './postcard-files.ts'
import { createSmtpMailer } from './smtp-mailer.ts'

/**
 * The postman of the agent in `home` from its `[postcard]` settings; undefined when postcards are
 * off (`postcard.active` 0, or no host, from or to).
 *
 * @throws LifecycleError LIFECYCLE_CONFIG_INVALID for a bad `[postcard]` value
 */
export function openPostman(
  deps: { readonly clock: Clock; readonly log: Logger },
  home: string,
  ini: IniSections,
): Postman | undefined {
  const config = postcardConfigOf(ini)
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
