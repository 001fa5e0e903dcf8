import type { Clock, Logger } from '@dolly/base'

/** A running block producer. */
export interface BlockProducer {
  /** Stops producing; resolves when the current block (if any) is done. Idempotent. */
  stop(): Promise<void>
}

/** What the producer needs: a clock to wait on (the world's scaled clock) and a way to mine one block. */
export interface BlockProducerDeps {
  readonly clock: Clock
  readonly mineBlock: () => Promise<void>
  readonly log: Logger
}

/**
 * Mines one block every `intervalWorldMs` of world time, the world's stand-in for the network's
 * miners. A failed block is logged and the next one is tried on schedule; it never stops silently.
 */
export function startBlockProducer(
  deps: BlockProducerDeps,
  options: { intervalWorldMs: number },
): BlockProducer {
  const controller = new AbortController()
  const { signal } = controller
  const loop = (async () => {
    while (!signal.aborted) {
      try {
        await deps.clock.sleep(options.intervalWorldMs, { signal })
      } catch {
        return
      }
      try {
        await deps.mineBlock()
      } catch (err) {
        if (signal.aborted) return
        deps.log.warn('chain.block_failed', { err })
      }
    }
  })()
  return {
    async stop() {
      controller.abort()
      await loop
    },
  }
}
