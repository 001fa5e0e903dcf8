/**
 * The simulator's priority queue of what happens next (issue 19): a binary min-heap ordered by
 * time, then by insertion, so events at the same instant run in the order they were scheduled and
 * a run is deterministic. An agent that waits is one entry here and costs nothing else.
 */

/** One scheduled happening: what it is belongs to the caller. */
export interface Scheduled<T> {
  readonly atMs: number
  readonly seq: number
  readonly item: T
}

/** A min-heap of scheduled items. */
export interface EventQueue<T> {
  push(atMs: number, item: T): Scheduled<T>
  pop(): Scheduled<T> | undefined
  readonly size: () => number
}

const before = <T>(a: Scheduled<T>, b: Scheduled<T>): boolean =>
  a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq)

/** An empty queue. */
export function createEventQueue<T>(): EventQueue<T> {
  const heap: Scheduled<T>[] = []
  let seq = 0
  return {
    size: () => heap.length,
    push(atMs, item) {
      const entry = { atMs, seq: seq++, item }
      let i = heap.length
      heap.push(entry)
      while (i > 0) {
        const parent = (i - 1) >> 1
        const p = heap[parent]
        if (p === undefined || !before(entry, p)) break
        heap[i] = p
        i = parent
      }
      heap[i] = entry
      return entry
    },
    pop() {
      const top = heap[0]
      const last = heap.pop()
      if (top === undefined || last === undefined || heap.length === 0) return top
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        let best = last
        const left = heap[l]
        if (left !== undefined && before(left, best)) {
          m = l
          best = left
        }
        const right = heap[r]
        if (right !== undefined && before(right, best)) m = r
        if (m === i) break
        heap[i] = heap[m] as Scheduled<T>
        i = m
      }
      heap[i] = last
      return top
    },
  }
}
