import { errorCode, type Clock, type Logger } from '@dolly/base'
import type { DaemonComponent } from '../../daemon/daemon.ts'
import type { LifecycleStatus } from '../lifecycle-status.ts'
import type { TickReport } from '../../agent/create-agent.ts'

/** Real-time floor between ticks (ms): at a high world time scale a 5-minute world tick would otherwise spin. */
export const TICK_FLOOR_REAL_MS = 1_000

/** Options of the daemon's tick loop. */
export interface TickLoopOptions {
  /** `daemon.tick_interval` in world ms. */
  readonly tickIntervalMs: number
  /** World seconds per real second (1 outside a world). */
  readonly timeScale: number
  /** Delay before the first tick (real ms; AGENT.md §3.2: 10 s). */
  readonly firstDelayMs: number
}

/**
 * The daemon component that runs the check tick every `tick_interval` of world time, never two at
 * once; a failing tick is logged and the loop goes on (AGENT.md §3.3: tick failures never kill the
 * daemon).
 */
export function createTickComponent(
  deps: { readonly realClock: Clock; readonly log: Logger; readonly tick: () => Promise<TickReport> },
  options: TickLoopOptions,
): DaemonComponent & { readonly ticks: () => number; readonly latest: () => LifecycleStatus | undefined } {
  const log = deps.log.child({ component: 'lifecycle' })
  let abort: AbortController | undefined
  let loop: Promise<void> | undefined
  let count = 0
  let latest: LifecycleStatus | undefined
  const periodRealMs = Math.max(TICK_FLOOR_REAL_MS, Math.round(options.tickIntervalMs / options.timeScale))
  async function run(signal: AbortSignal): Promise<void> {
    let delayMs = options.firstDelayMs
    while (!signal.aborted) {
      try {
        await deps.realClock.sleep(delayMs, { signal })
      } catch {
        return
      }
      delayMs = periodRealMs
      try {
        const report = await deps.tick()
        count += 1
        if (report.status !== undefined) latest = report.status
        log.info('tick.done', { effects: report.effects.join(','), idle: report.idle ?? '' })
      } catch (err) {
        log.error('tick.failed', {
          code: errorCode(err) ?? 'error',
          message: err instanceof Error ? err.message : String(err),
          // The thrown error itself: the error reporter takes its stack (AGENT.md §14).
          err,
        })
      }
    }
  }
  return {
    name: 'lifecycle',
    ticks: () => count,
    latest: () => latest,
    start() {
      if (loop === undefined) {
        abort = new AbortController()
        loop = run(abort.signal)
      }
      return Promise.resolve()
    },
    async stop() {
      abort?.abort()
      await loop
      loop = undefined
    },
  }
}
