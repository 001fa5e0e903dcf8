import type { Clock, Logger } from '@dolly/base'
import type { IniSections } from '../../config/ini.ts'
import { configSecrets, reporterConfigOf } from '../../config/watch-config.ts'
import { createReporter, type Reporter } from '../reporter.ts'
import { createGithubIssueTracker } from './github-issues.ts'
import { createReporterFile } from './reporter-file.ts'

/**
 * The reporter of the agent in `home` (AGENT.md §14): issues go to `[github]`'s repository when
 * `github.active = 1` (owner, repo and token set), else reports are only announced to the
 * `onReported` listeners (the IRC line). A bad `[github]`/`[reporter]` value is logged and leaves the
 * reporter announcing only: reporting must never stop the daemon.
 */
export function openReporter(
  deps: {
    readonly clock: Clock
    readonly log: Logger
    readonly recentLogLines: () => readonly string[]
  },
  home: string,
  ini: IniSections,
  agent: { readonly tree: string; readonly version: string; readonly extraSecrets?: readonly string[] },
): Reporter {
  let config
  try {
    config = reporterConfigOf(ini)
  } catch (err) {
    deps.log.warn('reporter.config_invalid', { message: err instanceof Error ? err.message : String(err) })
    config = undefined
  }
  const nick = ini.get('irc')?.get('nick') ?? agent.tree.split('.')[0] ?? agent.tree
  return createReporter(
    {
      tracker:
        config?.active === true
          ? createGithubIssueTracker({
              apiUrl: config.apiUrl,
              owner: config.owner,
              repo: config.repo,
              token: config.token,
            })
          : undefined,
      store: createReporterFile(home),
      clock: deps.clock,
      log: deps.log,
      recentLogLines: deps.recentLogLines,
    },
    {
      nick,
      tree: agent.tree,
      version: agent.version,
      maxIssuesPerDay: config?.maxIssuesPerDay ?? 5,
      secrets: [...configSecrets(ini), ...(agent.extraSecrets ?? [])],
    },
  )
}
