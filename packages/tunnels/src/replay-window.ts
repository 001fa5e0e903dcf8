import { MAX_REPLAY_WINDOW } from './constants.ts'
import { BaseError } from '@dolly/base'
import { TunnelError } from './errors.ts'

/**
 * The receive side of one onion layer's counter (README "Crypto"). With `size` 0 it demands strict
 * order — right for ordered links, where any gap or step back means a hop dropped, reordered or
 * replayed a cell. With `size` > 0 it is the sliding window of RFC 6479 (IPsec anti-replay): cells may
 * arrive out of order within `size` of the newest, but never twice. Tribler's layers have no replay
 * protection at all; this is the "do better" of issue 16.
 *
 * Use: `check(c)` before decrypting (cheap reject), `commit(c)` only after the AEAD tag verified, so a
 * forged counter can never move the window.
 */
export interface ReplayWindow {
  /** Throws TUNNEL_CELL_REPLAYED (seen, or older than the window) or TUNNEL_CELL_OUT_OF_ORDER (strict mode gap). */
  check(counter: number): void
  /** Marks `counter` as seen. */
  commit(counter: number): void
  /** The next counter strict order expects (highest seen + 1). */
  readonly next: number
}

/** Creates a replay window of `size` cells (0 = strict order, at most `MAX_REPLAY_WINDOW`). */
export function createReplayWindow(size: number): ReplayWindow {
  if (!Number.isInteger(size) || size < 0 || size > MAX_REPLAY_WINDOW) {
    throw new BaseError('BASE_INVALID_OPTION', `replay window must be 0..${MAX_REPLAY_WINDOW}, got ${size}`, {
      size,
    })
  }
  const bits = new Uint8Array(Math.ceil(size / 8))
  let next = 0
  const bit = (c: number): boolean => ((bits[(c % size) >> 3] ?? 0) & (1 << ((c % size) & 7))) !== 0
  const setBit = (c: number, on: boolean): void => {
    const i = (c % size) >> 3
    const mask = 1 << ((c % size) & 7)
    bits[i] = on ? (bits[i] ?? 0) | mask : (bits[i] ?? 0) & ~mask
  }
  return {
    get next() {
      return next
    },
    check(counter) {
      if (size === 0) {
        if (counter === next) return
        if (counter < next) {
          throw new TunnelError(
            'TUNNEL_CELL_REPLAYED',
            `cell counter ${counter} was already used (expected ${next})`,
            {
              counter,
              expected: next,
            },
          )
        }
        throw new TunnelError(
          'TUNNEL_CELL_OUT_OF_ORDER',
          `cell counter ${counter} skips ahead of ${next}: a cell was dropped or reordered`,
          {
            counter,
            expected: next,
          },
        )
      }
      if (counter >= next) return
      if (counter < next - size || bit(counter)) {
        throw new TunnelError(
          'TUNNEL_CELL_REPLAYED',
          `cell counter ${counter} is replayed or older than the window (${next - size}..)`,
          {
            counter,
            next,
            window: size,
          },
        )
      }
    },
    commit(counter) {
      if (size === 0) {
        next = counter + 1
        return
      }
      if (counter >= next) {
        if (counter - next >= size) bits.fill(0)
        else for (let c = next; c < counter; c++) setBit(c, false)
        next = counter + 1
      }
      setBit(counter, true)
    },
  }
}
