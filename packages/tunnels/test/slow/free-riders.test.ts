/**
 * Issue 16 item 5: half the users ride free (never pay, or pay half) over the memory network with
 * every hop charging hop by hop (payments.ts). No hop may be owed more than one cap by any free
 * rider, however many circuits it rebuilds, and the free riders' share of the bytes the hops carry
 * stays under a fifth, so honest users keep ≥ 80 % of their throughput on a CPU-bound hop. The
 * wall-time ratio itself (honest throughput with and without free riders, side by side) is a
 * benchmark: `npm run bench:free-riders` (bench/tunnels/free-riders.ts), not a timed test.
 */
import { describe, expect, it } from 'vitest'
import { MAX_FRAME_BYTES } from '../../src/constants.ts'
import {
  FREE_RIDER_CAP,
  FREE_RIDER_PER_ROUND,
  FREE_RIDER_ROUNDS,
  MiB,
  runFreeRiders,
  WITH_FREE_RIDERS,
} from '../free-riders-scenario.ts'

describe('free riders among users (slow)', () => {
  it('no hop is owed more than one cap by any free rider; free riders get under a fifth of the bytes', async () => {
    const run = await runFreeRiders(WITH_FREE_RIDERS)
    console.log(
      `bytes per user (MiB): ${[...run.bytesByUser].map(([u, b]) => `${u} ${(b / MiB).toFixed(1)}`).join(', ')}`,
    )
    for (const [user, bytes] of run.bytesByUser)
      if (user.startsWith('honest')) expect(bytes, user).toBe(FREE_RIDER_ROUNDS * FREE_RIDER_PER_ROUND)
    const riders = [...run.bytesByUser.keys()].filter((u) => !u.startsWith('honest'))
    expect(riders).toEqual(['never-1', 'half-3', 'never-5', 'half-7'])
    let hops = 0
    for (const [hop, engine] of run.engines) {
      if (!/^(r\d|x1)$/.test(hop)) continue
      hops++
      const owed = engine.unpaid()
      for (const rider of riders)
        expect(owed.get(rider) ?? 0n, `${rider} at ${hop}`).toBeLessThanOrEqual(
          FREE_RIDER_CAP + BigInt(MAX_FRAME_BYTES),
        )
      for (const [peer, bytes] of owed)
        if (peer.startsWith('honest'))
          expect(bytes, `${peer} at ${hop}`).toBeLessThanOrEqual(BigInt(MAX_FRAME_BYTES))
    }
    expect(hops).toBe(5)
    // Free riders got little: not their 24 rounds. Every hop's work is per byte, so honest users
    // keep over 80 % of the hops' work (and of their throughput where the hops are the bottleneck).
    const honestShare = run.honestBytes / (run.honestBytes + run.riderBytes)
    expect(honestShare, 'honest share of the bytes carried').toBeGreaterThan(0.8)
  })
})
