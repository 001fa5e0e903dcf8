/**
 * The bot's outgoing channel messages, rate-limited and bounded: a token bucket (a burst of
 * `burst` lines, then one per `intervalMs`, so the server's flood control never disconnects the bot)
 * in front of a queue of at most `capacity` lines (more are dropped and counted, never buffered
 * without bound). A line may also ask to follow the previous one by at least `gapMs` (`!qtables`
 * rows, 3 s apart). Deterministic: time comes in as `nowMs`.
 */

/** Options of the queue. */
export interface SendQueueOptions {
  readonly capacity: number
  readonly burst: number
  readonly intervalMs: number
}

/** What the writer does next. */
export type SendDecision =
  | { readonly kind: 'send'; readonly line: string }
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'idle' }

/** The queue. */
export interface SendQueue {
  /** Queues a line; false when the queue is full and the line was dropped. */
  push(line: string, gapMs?: number): boolean
  /** Free places left. */
  free(): number
  /** The next line to send at `nowMs` (taking it off the queue and a token), or how long to wait. */
  next(nowMs: number): SendDecision
  /** Lines waiting. */
  size(): number
  /** Lines dropped because the queue was full, since it was made. */
  dropped(): number
  /** Forgets every waiting line. */
  clear(): void
}

/** Creates a queue; `startMs` is when its bucket is full. */
export function createSendQueue(options: SendQueueOptions, startMs = 0): SendQueue {
  const items: Array<{ readonly line: string; readonly gapMs: number }> = []
  let tokens = options.burst
  let refilledAtMs = startMs
  let lastSentMs = Number.NEGATIVE_INFINITY
  let dropped = 0
  const refill = (nowMs: number): void => {
    if (nowMs <= refilledAtMs) return
    const earned = (nowMs - refilledAtMs) / options.intervalMs
    tokens = Math.min(options.burst, tokens + earned)
    refilledAtMs = nowMs
  }
  return {
    push(line, gapMs = 0) {
      if (items.length >= options.capacity) {
        dropped += 1
        return false
      }
      items.push({ line, gapMs })
      return true
    },
    free: () => options.capacity - items.length,
    next(nowMs) {
      const head = items[0]
      if (head === undefined) return { kind: 'idle' }
      refill(nowMs)
      const gapWait = lastSentMs + head.gapMs - nowMs
      const tokenWait = tokens >= 1 ? 0 : Math.ceil((1 - tokens) * options.intervalMs)
      const wait = Math.max(gapWait, tokenWait)
      if (wait > 0) return { kind: 'wait', ms: wait }
      items.shift()
      tokens -= 1
      lastSentMs = nowMs
      return { kind: 'send', line: head.line }
    },
    size: () => items.length,
    dropped: () => dropped,
    clear() {
      items.length = 0
    },
  }
}
