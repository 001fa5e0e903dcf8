import { abortReason, type AbortOptions, type Clock } from '../clock.ts'

/** Real sleeps wait in slices of at most this long, so a huge `ms` never overflows the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Sleeps `realMs` of real time, abortable. */
export function realSleep(realMs: number, options: AbortOptions = {}): Promise<void> {
  const { signal } = options
  if (signal?.aborted === true) return Promise.reject(abortReason(signal))
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const onAbort = (): void => {
      if (timer !== undefined) clearTimeout(timer)
      reject(abortReason(signal as AbortSignal))
    }
    const wait = (leftMs: number): void => {
      const slice = Math.min(Math.max(0, leftMs), MAX_TIMER_MS)
      timer = setTimeout(() => {
        if (leftMs - slice > 0) wait(leftMs - slice)
        else {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
      }, slice)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    wait(realMs)
  })
}

/** The machine's own clock: what an agent on a real server uses. */
export function createSystemClock(): Clock {
  return {
    nowMs: () => Date.now(),
    sleep: (ms, options) => realSleep(ms, options),
  }
}
