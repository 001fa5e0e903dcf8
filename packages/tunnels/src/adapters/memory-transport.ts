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
  /**
   * Removes a peer as a closed connection does: besides `remove`, every peer that exchanged frames
   * with it gets its transport's link-down event (on the next macrotask, as a socket's close).
   */
  crash(peerId: string): void
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
  const linkDownHandlers = new Map<string, (peerId: string) => void>()
  /** Who exchanged frames with whom (both directions), for `crash`. */
  const linked = new Map<string, Set<string>>()
  const link = (a: string, b: string): void => {
    let set = linked.get(a)
    if (set === undefined) linked.set(a, (set = new Set()))
    set.add(b)
  }
  const remove = (peerId: string): void => {
    known.delete(peerId)
    handlers.delete(peerId)
    linkDownHandlers.delete(peerId)
  }

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
          link(peerId, to)
          link(to, peerId)
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
        onLinkDown(handler) {
          linkDownHandlers.set(peerId, handler)
        },
      }
    },
    intercept(next) {
      interceptor = next
    },
    pending: () => queue.length,
    remove,
    crash(peerId) {
      remove(peerId)
      const peers = [...(linked.get(peerId) ?? [])]
      linked.delete(peerId)
      for (const p of peers) linked.get(p)?.delete(peerId)
      setImmediate(() => {
        for (const p of peers) linkDownHandlers.get(p)?.(peerId)
      })
    },
  }
}
