import { createRequire } from 'node:module'
import type { DestinationStream, pino as Pino } from 'pino'
import type { Clock } from '../clock.ts'
import { redactFields, type LogFields, type Logger, type LogLevel } from '../logger.ts'

/** Options of the pino-backed logger. */
export interface PinoLoggerOptions {
  /** Lowest level written; default 'info'. */
  readonly level?: LogLevel
  /** Where JSON lines go; default stderr, so stdout stays free for a CLI's output. */
  readonly destination?: DestinationStream
}

const require = createRequire(import.meta.url)

/**
 * pino, loaded on the first logger made rather than when `@dolly/base` is imported: every package
 * imports base, and a CLI command that logs nothing (`plebnet --help`, `plebnet status`) should not
 * pay for pino and its dependencies at start-up.
 */
function loadPino(): typeof Pino {
  return (require('pino') as { pino: typeof Pino }).pino
}

/**
 * The production Logger: one JSON line per event (`{"level":30,"time":…,"event":"area.event",…}`),
 * timestamps from the injected Clock (so world and simulator logs show their own time), secrets
 * redacted by name at any depth, bigints as strings.
 */
export function createPinoLogger(deps: { clock: Clock }, options: PinoLoggerOptions = {}): Logger {
  const pino = loadPino()
  const root = pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: () => `,"time":${Math.floor(deps.clock.nowMs())}`,
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  )
  const wrap = (p: Pino.Logger): Logger => {
    const at =
      (level: LogLevel) =>
      (event: string, fields: LogFields = {}): void => {
        p[level]({ event, ...redactFields(fields) })
      }
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (bindings) => wrap(p.child(redactFields(bindings))),
    }
  }
  return wrap(root)
}
