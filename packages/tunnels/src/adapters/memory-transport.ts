import type { Transport } from '../ports.ts'

/**
 * Decides what a link delivers for one frame: `[frame]` passes it, `[]` drops it, a changed copy
 * tampers, two copies replay, and holding one back to return it later reorders. Tests use it to play
 * a misbehaving hop or link.
 */
export type FrameInterceptor = (from: string, to: string, frame: Uint8Array) => readonly Uint8Array[]

/** An in-process network of tunnel transports (tests, the simulator, the benchmark). */
export interface MemoryNetwork {
  /** The transport of peer `peerId` (created on first use). */
  transport(peerId: string): Transport
  /** Installs or removes the interceptor every frame passes through. */
  intercept(interceptor: FrameInterceptor | undefined): void
  /** Frames queued and not yet delivered (a test can wait for 0). */
  pending(): number
  /** Removes a peer: frames to it are refused from now on. */
  remove(peerId: string): void
}

/**
 * Creates a memory network. Delivery is asynchronous and in order per sender: frames are queued and
 * delivered in one batch on the next macrotask (setImmediate), so sockets and timers get their turn
 * between batches and a sender never re-enters a receiver.
 */
export function createMemoryNetwork(): MemoryNetwork {
  const handlers = new Map<string, (from: string, frame: Uint8Array) => void>()
  const known = new Set<string>()
  let queue: { from: string; to: string; frame: Uint8Array }[] = []
  let scheduled = false
  let interceptor: FrameInterceptor | undefined

  const flush = (): void => {
    scheduled = false
    const batch = queue
    queue = []
    for (const { from, to, frame } of batch) handlers.get(to)?.(from, frame)
  }

  return {
    transport(peerId) {
      known.add(peerId)
      return {
        peerId,
        send(to, frame) {
          if (!known.has(to)) return false
          // Copy: the sender may reuse its buffer, and a receiver must not see later changes.
          const frames = interceptor === undefined ? [frame] : interceptor(peerId, to, frame)
          for (const f of frames) queue.push({ from: peerId, to, frame: Uint8Array.from(f) })
          if (!scheduled && queue.length > 0) {
            scheduled = true
            setImmediate(flush)
          }
          return true
        },
        onFrame(handler) {
          handlers.set(peerId, handler)
        },
      }
    },
    intercept(next) {
      interceptor = next
    },
    pending: () => queue.length,
    remove(peerId) {
      known.delete(peerId)
      handlers.delete(peerId)
    },
  }
}
