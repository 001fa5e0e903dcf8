import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createSeededRng, createVirtualClock } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '@dolly/base'
import { createMemoryNetwork } from '../../src/adapters/memory-transport.ts'
import { openSqliteLedgerStore } from '../../src/adapters/sqlite-store.ts'
import { encodeBandwidthTx } from '../../src/bandwidth.ts'
import {
  BANDWIDTH_TYPE,
  BYTES_PER_MB,
  RATE_LIMITER_MAX_PEERS,
  STRANGER_REQUEST_BURST,
  STRANGER_REQUESTS_PER_S,
} from '../../src/constants.ts'
import { createProposal } from '../../src/create-block.ts'
import { createExpectations } from '../../src/expectations.ts'
import { createLedger } from '../../src/ledger.ts'
import { createLedgerProtocol } from '../../src/protocol/ledger-protocol.ts'
import { decodeResponse, encodeRequest } from '../../src/protocol/messages.ts'

// Issue 14 item 10: 2,000 fresh keys got 2,000 agreements, 6 MB on disk and a fake balance of
// 2 TiB. Here 10,000 fresh identities each propose "I took 200 MiB from you" to one agent through
// the real protocol over the in-memory transport, spread over 100 s of virtual time (so the
// strangers' budget refills and many proposals reach the countersign policy, not only the limiter),
// while an honest counterparty the agent expects a payment from proposes in the middle.

const SYBILS = 10_000
const BATCH = 100
const MiB = BYTES_PER_MB
const SYBIL_CLAIM_BYTES = 200n * MiB
/** The batch after which the honest peer proposes (mid-flood, strangers' budget exhausted). */
const HONEST_AT = 5000
/** The limiter's memory bound (RATE_LIMITER_MAX_PEERS buckets of < 256 bytes) with room for GC noise. */
const HEAP_GROWTH_BOUND_BYTES = 16 * 1024 * 1024

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const f of cleanup.splice(0)) f()
})

describe('Sybil flood on the ledger (issue 14)', () => {
  it(`${SYBILS} fresh identities proposing to one agent get no agreement, leave its store and balance unchanged, while an expected peer is agreed`, async () => {
    const started = performance.now()
    const dir = mkdtempSync(join(tmpdir(), 'dolly-sybil-ledger-'))
    const path = join(dir, 'state.sqlite')
    const clock = createVirtualClock(1_700_000_000_000)
    const network = createMemoryNetwork()
    const victim = generateIdentity(createSeededRng('sybil-victim'))
    const store = openSqliteLedgerStore(path)
    const honest = generateIdentity(createSeededRng('sybil-honest'))
    const honestStore = openSqliteLedgerStore(':memory:')
    cleanup.push(() => {
      store.close()
      honestStore.close()
      rmSync(dir, { recursive: true, force: true })
    })
    const expectations = createExpectations({ clock })
    const ledger = createLedger({ store, signer: victim, clock }, { policy: expectations })
    const protocol = createLedgerProtocol({
      ledger,
      store,
      transport: network.transport(victim.publicKey),
      clock,
    })
    protocol.start()
    const honestLedger = createLedger({ store: honestStore, signer: honest, clock })
    const honestProtocol = createLedgerProtocol({
      ledger: honestLedger,
      store: honestStore,
      transport: network.transport(honest.publicKey),
      clock,
    })
    // The victim sold the honest peer 5 MB and expects to be paid.
    expect(
      expectations.expect(honest.publicKey, { ref: 'trade-1', upBytes: 5n * MiB, downBytes: 0n }).ok,
    ).toBe(true)

    const diskBytes = (): number =>
      ['', '-wal'].reduce((n, suffix) => {
        try {
          return n + statSync(path + suffix).size
        } catch {
          return n
        }
      }, 0)
    const tally = { agreed: 0, refused: new Map<string, number>() }
    let honestResult: ReturnType<typeof honestProtocol.transact> | undefined
    let limitedBeforeHonest = 0
    const flood = async (from: number, to: number): Promise<void> => {
      for (let start = from; start < to; start += BATCH) {
        const replies = await Promise.all(
          Array.from({ length: Math.min(BATCH, to - start) }, (_, k) => {
            const sybil = generateIdentity(createSeededRng(`sybil-${start + k}`))
            const proposal = createProposal(sybil, undefined, {
              linkPublicKey: victim.publicKey,
              type: BANDWIDTH_TYPE,
              transaction: encodeBandwidthTx({
                up: 0n,
                down: SYBIL_CLAIM_BYTES,
                totalUp: 0n,
                totalDown: SYBIL_CLAIM_BYTES,
              }),
              timestampMs: clock.nowMs(),
            })
            return network
              .transport(sybil.publicKey)
              .request(victim.publicKey, encodeRequest({ kind: 'propose', proposal: proposal.bytes }), {})
          }),
        )
        for (const reply of replies) {
          const response = decodeResponse(reply)
          if (response?.kind === 'agreement') tally.agreed++
          else if (response?.kind === 'refused')
            tally.refused.set(response.code, (tally.refused.get(response.code) ?? 0) + 1)
          else throw new Error('the victim answered a proposal with neither an agreement nor a refusal')
        }
        if (start === HONEST_AT) {
          // The strangers' budget is spent by this batch; the expected peer proposes now.
          limitedBeforeHonest = tally.refused.get('LEDGER_RATE_LIMITED') ?? 0
          honestResult = honestProtocol.transact(victim.publicKey, 0n, 5n * MiB)
        }
        await clock.advance(1000)
      }
    }

    gc()
    const heapBefore = process.memoryUsage().heapUsed
    const rssBefore = process.memoryUsage().rss
    const diskBefore = diskBytes()
    const countBefore = store.count()

    // Phase 1: 4,000 Sybils; nothing may reach the disk.
    await flood(0, 4000)
    expect(store.count()).toBe(countBefore)
    expect(diskBytes()).toBe(diskBefore)

    // Phase 2: 2,000 more, with the honest peer's payment proposed in the middle of them.
    await flood(4000, 6000)
    expect(limitedBeforeHonest).toBeGreaterThan(0)
    expect(await honestResult).toMatchObject({ ok: true })
    const diskAfterHonest = diskBytes()
    expect(store.count()).toBe(countBefore + 2)

    // Phase 3: 4,000 more; again nothing reaches the disk.
    await flood(6000, SYBILS)
    expect(store.count()).toBe(countBefore + 2)
    expect(diskBytes()).toBe(diskAfterHonest)

    gc()
    const heapDelta = process.memoryUsage().heapUsed - heapBefore
    const rssDelta = process.memoryUsage().rss - rssBefore
    const stats = protocol.stats()
    const refusedTotal = [...tally.refused.values()].reduce((n, c) => n + c, 0)
    const unexpected = tally.refused.get('LEDGER_PROPOSAL_UNEXPECTED') ?? 0
    const rateLimited = tally.refused.get('LEDGER_RATE_LIMITED') ?? 0

    // No Sybil was agreed; the only agreement is the honest one.
    expect(tally.agreed).toBe(0)
    expect(refusedTotal).toBe(SYBILS)
    expect(stats.agreed).toBe(1)
    // Both guards were exercised: the strangers' budget admitted its burst plus its rate over the
    // 100 s, and every admitted Sybil was refused by the countersign policy.
    expect(unexpected).toBe(STRANGER_REQUEST_BURST + STRANGER_REQUESTS_PER_S * (SYBILS / BATCH - 1))
    expect(rateLimited).toBe(SYBILS - unexpected)
    // The balance moved by exactly the honest payment, not by 10,000 × 200 MiB.
    expect(ledger.balance()).toEqual({ bytes: 5n * MiB, mb: 5n })
    expect(store.latest(generateIdentity(createSeededRng('sybil-0')).publicKey)).toBeUndefined()
    // Bounded memory: the limiter holds at most RATE_LIMITER_MAX_PEERS buckets, and the heap did not
    // grow with the number of Sybils.
    expect(stats.limiterPeers).toBeLessThanOrEqual(RATE_LIMITER_MAX_PEERS)
    expect(heapDelta).toBeLessThan(HEAP_GROWTH_BOUND_BYTES)
    expect(expectations.outstanding()).toEqual([])

    const seconds = (performance.now() - started) / 1000
    console.log(
      [
        `sybil flood: ${SYBILS} proposals of ${SYBIL_CLAIM_BYTES / MiB} MiB each over ${SYBILS / BATCH} s virtual`,
        `  agreements to Sybils: ${tally.agreed}; refusals: ${refusedTotal} (LEDGER_PROPOSAL_UNEXPECTED ${unexpected}, LEDGER_RATE_LIMITED ${rateLimited})`,
        `  honest peer agreed during the flood: yes; victim balance ${ledger.balance().bytes} bytes (the honest 5 MiB)`,
        `  store: ${store.count() - countBefore} blocks added (the honest pair), disk ${diskBefore} -> ${diskBytes()} bytes, unchanged by Sybils`,
        `  limiter buckets: ${stats.limiterPeers} (bound ${RATE_LIMITER_MAX_PEERS}); heap delta ${(heapDelta / 1048576).toFixed(2)} MiB (bound ${HEAP_GROWTH_BOUND_BYTES / 1048576} MiB), rss delta ${(rssDelta / 1048576).toFixed(2)} MiB`,
        `  time: ${seconds.toFixed(1)} s wall`,
      ].join('\n'),
    )
    protocol.stop()
  }, 120_000)
})
