import { describe, expect, it } from 'vitest'
import { REPLAY_NONCES_PER_SENDER, REPLAY_SENDERS, TIME_WINDOW_MS } from './constants.ts'
import { createReplayGuard } from './replay-guard.ts'

const NOW = 1_700_000_000_000
const BOUND = REPLAY_SENDERS * REPLAY_NONCES_PER_SENDER
// 100,000 admissions take about a second alone, several on a loaded 2-core machine.
const FLOOD_TIMEOUT_MS = 60_000

describe('replay guard (ALGORITHMS.md §11.4)', () => {
  it('admits a nonce once, and refuses it for as long as it is inside the window', () => {
    const guard = createReplayGuard({ windowMs: 1000 })
    expect(guard.admit('a', 'n1', NOW, NOW)).toBe('ok')
    expect(guard.admit('a', 'n1', NOW, NOW + 500)).toBe('NETWORK_REPLAYED')
    expect(guard.admit('b', 'n1', NOW, NOW + 500)).toBe('ok')
    expect(guard.admit('a', 'n1', NOW, NOW + 1001)).toBe('NETWORK_TIME_OUT_OF_RANGE')
  })

  it(
    'refuses a replay inside the window after 100,000 fresh nonces from other senders, in bounded memory',
    () => {
      const guard = createReplayGuard()
      expect(guard.admit('victim', 'n0', NOW, NOW)).toBe('ok')
      for (let i = 0; i < 100_000; i++) {
        const nowMs = NOW + Math.floor(i / 1000)
        expect(guard.admit(`sybil${i}`, `f${i}`, nowMs, nowMs)).toBe('ok')
      }
      expect(guard.admit('victim', 'n0', NOW, NOW + 200)).toBe('NETWORK_REPLAYED')
      expect(guard.size).toBeLessThanOrEqual(BOUND)
      expect(guard.senders).toBeLessThanOrEqual(REPLAY_SENDERS)
      // Every flooded message is refused again too: none was forgotten without raising a floor.
      for (const i of [0, 1, 50_000, 99_999]) {
        const tsMs = NOW + Math.floor(i / 1000)
        expect(guard.admit(`sybil${i}`, `f${i}`, tsMs, NOW + 200)).toBe('NETWORK_REPLAYED')
      }
    },
    FLOOD_TIMEOUT_MS,
  )

  it(
    'refuses a replay after 100,000 fresh nonces from the same sender, in bounded memory',
    () => {
      const guard = createReplayGuard()
      expect(guard.admit('a', 'n0', NOW, NOW)).toBe('ok')
      // One message per ms: the timestamp resolution an honest sender's requests have.
      for (let i = 1; i <= 100_000; i++) expect(guard.admit('a', `f${i}`, NOW + i, NOW + i)).toBe('ok')
      expect(guard.admit('a', 'n0', NOW, NOW + 100_000)).toBe('NETWORK_REPLAYED')
      expect(guard.admit('a', 'f99990', NOW + 99_990, NOW + 100_000)).toBe('NETWORK_REPLAYED')
      expect(guard.size).toBeLessThanOrEqual(REPLAY_NONCES_PER_SENDER)
    },
    FLOOD_TIMEOUT_MS,
  )

  it('accepts out-of-order messages of one sender within its per-sender window', () => {
    const guard = createReplayGuard()
    expect(guard.admit('a', 'n2', NOW + 2, NOW + 2)).toBe('ok')
    expect(guard.admit('a', 'n1', NOW + 1, NOW + 3)).toBe('ok')
    expect(guard.admit('a', 'n1', NOW + 1, NOW + 4)).toBe('NETWORK_REPLAYED')
  })

  it('lets a forgotten honest sender in again with a newer timestamp', () => {
    const guard = createReplayGuard({ maxSenders: 2, noncesPerSender: 4 })
    expect(guard.admit('honest', 'h1', NOW, NOW)).toBe('ok')
    expect(guard.admit('s1', 'x', NOW + 1, NOW + 1)).toBe('ok')
    expect(guard.admit('s2', 'x', NOW + 2, NOW + 2)).toBe('ok')
    expect(guard.senders).toBe(2)
    // honest was evicted: its old message cannot be proven fresh, a new one can.
    expect(guard.admit('honest', 'h1', NOW, NOW + 10)).toBe('NETWORK_REPLAYED')
    expect(guard.admit('honest', 'h2', NOW + 10, NOW + 10)).toBe('ok')
  })

  it('refuses timestamps outside the window and non-finite ones', () => {
    const guard = createReplayGuard()
    expect(guard.admit('a', 'n', NOW - TIME_WINDOW_MS - 1, NOW)).toBe('NETWORK_TIME_OUT_OF_RANGE')
    expect(guard.admit('a', 'n', NOW + TIME_WINDOW_MS + 1, NOW)).toBe('NETWORK_TIME_OUT_OF_RANGE')
    expect(guard.admit('a', 'n', Number.NaN, NOW)).toBe('NETWORK_TIME_OUT_OF_RANGE')
  })
})
