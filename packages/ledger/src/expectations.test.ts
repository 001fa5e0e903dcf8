import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSeededRng, createVirtualClock } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { generateIdentity } from '@dolly/base'
import { openSqliteLedgerStore } from './adapters/sqlite-store.ts'
import { BYTES_PER_MB } from './constants.ts'
import { createExpectations } from './expectations.ts'
import { createLedger } from './ledger.ts'
import type { LedgerStore } from './ports.ts'

const MiB = BYTES_PER_MB
const me = generateIdentity(createSeededRng('exp-me'))
const peer = generateIdentity(createSeededRng('exp-peer'))
const other = generateIdentity(createSeededRng('exp-other'))

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const f of cleanup.splice(0)) f()
})

/** Our ledger in a file store (so bytes on disk can be compared), with an accountant as its policy. */
function agent() {
  const dir = mkdtempSync(join(tmpdir(), 'dolly-expectations-'))
  const path = join(dir, 'state.sqlite')
  const store = openSqliteLedgerStore(path)
  cleanup.push(() => {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const clock = createVirtualClock(1_700_000_000_000)
  const expectations = createExpectations({ clock })
  const ledger = createLedger({ store, signer: me, clock }, { policy: expectations })
  const diskBytes = (): number =>
    ['', '-wal'].reduce((n, suffix) => {
      try {
        return n + statSync(path + suffix).size
      } catch {
        return n
      }
    }, 0)
  return { store, clock, expectations, ledger, diskBytes }
}

/** A proposal of `from` to us: it gave `up` and took `down` bytes. */
function proposalFrom(from: typeof peer, up: bigint, down: bigint, store?: LedgerStore) {
  const own = store ?? openSqliteLedgerStore(':memory:')
  if (store === undefined) cleanup.push(() => own.close())
  return createLedger({
    store: own,
    signer: from,
    clock: createVirtualClock(1_700_000_000_000),
  }).proposeBandwidth(me.publicKey, up, down)
}

describe('countersign policy: expectations', () => {
  it('refuses a proposal nobody expects with LEDGER_PROPOSAL_UNEXPECTED and writes nothing to disk', () => {
    const { store, ledger, diskBytes } = agent()
    const before = diskBytes()
    // The issue-14 attack: a fresh key "took" 1 GiB from us, which would credit us 1 GiB.
    const result = ledger.agree(proposalFrom(peer, 0n, 1024n * MiB))
    expect(result).toMatchObject({ ok: false, code: 'LEDGER_PROPOSAL_UNEXPECTED' })
    expect(store.count()).toBe(0)
    expect(store.latest(peer.publicKey)).toBeUndefined()
    expect(ledger.balance()).toEqual({ bytes: 0n, mb: 0n })
    expect(diskBytes()).toBe(before)
  })

  it('agrees to a proposal within an expectation and takes its amounts off', () => {
    const { ledger, expectations, store } = agent()
    // We relayed 10 MiB for the peer and took 1 MiB from it on circuit 7.
    expect(
      expectations.expect(peer.publicKey, { ref: 'circuit-7', upBytes: 10n * MiB, downBytes: MiB }).ok,
    ).toBe(true)
    const peerStore = openSqliteLedgerStore(':memory:')
    cleanup.push(() => peerStore.close())
    const agreed = ledger.agree(proposalFrom(peer, MiB, 6n * MiB, peerStore))
    expect(agreed.ok).toBe(true)
    expect(ledger.balance().bytes).toBe(5n * MiB)
    expect(store.count()).toBe(2)
    expect(expectations.outstanding(peer.publicKey)).toMatchObject([
      { ref: 'circuit-7', upBytes: 4n * MiB, downBytes: 0n },
    ])
    // The rest of the expectation: 4 MiB more is agreed, and then nothing is expected any more.
    expect(ledger.agree(proposalFrom(peer, 0n, 4n * MiB, peerStore)).ok).toBe(true)
    expect(expectations.outstanding()).toEqual([])
    expect(expectations.expects(peer.publicKey)).toBe(false)
    expect(ledger.agree(proposalFrom(peer, 0n, MiB, peerStore))).toMatchObject({
      ok: false,
      code: 'LEDGER_PROPOSAL_UNEXPECTED',
    })
    expect(store.count()).toBe(4)
  })

  it('refuses a proposal above its expectation in either direction, storing nothing and keeping the expectation', () => {
    const { ledger, expectations, store, diskBytes } = agent()
    expectations.expect(peer.publicKey, { ref: 'sale', upBytes: 3n * MiB, downBytes: 0n })
    const before = diskBytes()
    // Claims it took more than we sold it (would credit us more than we earned).
    expect(ledger.agree(proposalFrom(peer, 0n, 3n * MiB + 1n))).toMatchObject({
      ok: false,
      code: 'LEDGER_PROPOSAL_EXCEEDS_EXPECTATION',
    })
    // Claims it gave us bytes we never took (would spend our tokens).
    expect(ledger.agree(proposalFrom(peer, MiB, MiB))).toMatchObject({
      ok: false,
      code: 'LEDGER_PROPOSAL_EXCEEDS_EXPECTATION',
    })
    // Another key cannot claim this peer's expectation.
    expect(ledger.agree(proposalFrom(other, 0n, MiB))).toMatchObject({
      ok: false,
      code: 'LEDGER_PROPOSAL_UNEXPECTED',
    })
    expect(store.count()).toBe(0)
    expect(diskBytes()).toBe(before)
    expect(expectations.outstanding(peer.publicKey)).toMatchObject([{ upBytes: 3n * MiB, downBytes: 0n }])
    expect(ledger.agree(proposalFrom(peer, 0n, 3n * MiB)).ok).toBe(true)
  })

  it('answers a repeated proposal with the same agreement without charging the expectation twice', () => {
    const { ledger, expectations } = agent()
    expectations.expect(peer.publicKey, { ref: 'sale', upBytes: 2n * MiB, downBytes: 0n })
    const proposal = proposalFrom(peer, 0n, MiB)
    const first = ledger.agree(proposal)
    const again = ledger.agree(proposal)
    expect(first.ok && again.ok && first.agreement.hash).toEqual(again.ok && again.agreement.hash)
    expect(expectations.outstanding()).toMatchObject([{ upBytes: MiB }])
  })

  it('lets an expectation expire, adds to one with the same ref, and cancels', async () => {
    const { ledger, expectations, clock } = agent()
    expectations.expect(peer.publicKey, { ref: 'c1', upBytes: MiB, downBytes: 0n, ttlMs: 60_000 })
    expectations.expect(peer.publicKey, { ref: 'c1', upBytes: MiB, downBytes: 0n, ttlMs: 60_000 })
    expect(expectations.outstanding()).toMatchObject([{ ref: 'c1', upBytes: 2n * MiB }])
    await clock.advance(60_000)
    expect(expectations.expects(peer.publicKey)).toBe(false)
    expect(ledger.agree(proposalFrom(peer, 0n, MiB))).toMatchObject({ code: 'LEDGER_PROPOSAL_UNEXPECTED' })
    expectations.expect(peer.publicKey, { ref: 'c2', upBytes: MiB, downBytes: 0n })
    expect(expectations.cancel(peer.publicKey, 'c2')).toBe(true)
    expect(expectations.cancel(peer.publicKey, 'c2')).toBe(false)
    expect(expectations.outstanding()).toEqual([])
  })

  it('holds at most its limits and refuses more with LEDGER_EXPECTATIONS_FULL; bad input is LEDGER_EXPECTATION_INVALID', () => {
    const clock = createVirtualClock(0)
    const expectations = createExpectations({ clock }, { maxEntries: 3, maxPerPeer: 2 })
    const ok = (key: Uint8Array, ref: string) =>
      expectations.expect(key, { ref, upBytes: MiB, downBytes: 0n }).ok
    expect([ok(peer.publicKey, 'a'), ok(peer.publicKey, 'b'), ok(peer.publicKey, 'c')]).toEqual([
      true,
      true,
      false,
    ])
    expect([ok(other.publicKey, 'a'), ok(me.publicKey, 'a')]).toEqual([true, false])
    expect(expectations.expect(me.publicKey, { ref: 'x', upBytes: MiB, downBytes: 0n })).toMatchObject({
      ok: false,
      code: 'LEDGER_EXPECTATIONS_FULL',
    })
    for (const bad of [
      () => expectations.expect(new Uint8Array(5), { ref: 'r', upBytes: MiB, downBytes: 0n }),
      () => expectations.expect(peer.publicKey, { ref: '', upBytes: MiB, downBytes: 0n }),
      () => expectations.expect(peer.publicKey, { ref: 'r', upBytes: 0n, downBytes: 0n }),
      () => expectations.expect(peer.publicKey, { ref: 'r', upBytes: -1n, downBytes: MiB }),
      () => expectations.expect(peer.publicKey, { ref: 'r', upBytes: MiB, downBytes: 0n, ttlMs: 0 }),
    ])
      expect(bad).toThrow(expect.objectContaining({ code: 'LEDGER_EXPECTATION_INVALID' }))
    expect(() => createExpectations({ clock }, { maxEntries: 0 })).toThrow(
      expect.objectContaining({ code: 'LEDGER_OPTION_INVALID' }),
    )
  })

  it('refuses every proposal by default (no policy given)', () => {
    const store = openSqliteLedgerStore(':memory:')
    cleanup.push(() => store.close())
    const ledger = createLedger({ store, signer: me, clock: createVirtualClock(0) })
    expect(ledger.agree(proposalFrom(peer, 0n, MiB))).toMatchObject({
      ok: false,
      code: 'LEDGER_PROPOSAL_UNEXPECTED',
    })
    expect(ledger.expects(peer.publicKey)).toBe(false)
    expect(store.count()).toBe(0)
  })
})
