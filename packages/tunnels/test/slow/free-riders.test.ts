/**
 * Issue 16 item 5: half the users ride free (never pay, or pay half) over the memory network with
 * every hop charging hop by hop (payments.ts). Honest users must keep ≥ 80 % of the throughput they
 * get without free riders, and no hop may be owed more than one cap by any free rider, however many
 * circuits it rebuilds. Wall-clock throughput on one process, so each configuration runs after a
 * warm-up and the comparison is a ratio of two runs on the same machine.
 */
import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { MAX_FRAME_BYTES } from '../../src/constants.ts'
import { createTunnelNode, type TunnelNode } from '../../src/node.ts'
import {
  createMemoryPayments,
  createTunnelPayments,
  type TunnelPayments,
  type TunnelPaymentsOptions,
} from '../../src/payments.ts'
import { downloaderPays } from '../../src/payout.ts'
import type { TunnelCircuit } from '../../src/types.ts'
import { createHarness } from '../harness.ts'

const MiB = 1 << 20
const CAP = 8n * BigInt(MiB)
const ROUNDS = 6
const PER_ROUND = 32 * MiB

type Kind = 'honest' | 'never' | 'half'

interface User {
  readonly kind: Kind
  readonly node: TunnelNode
}

/** Streams `total` bytes through the echo exit; resolves with the bytes that came back. */
async function download(circuit: TunnelCircuit, total: number): Promise<number> {
  let got = 0
  let sent = 0
  let ended = false
  const stream = await circuit.openStream('echo.test', 80, {
    onData: (d) => (got += d.length),
    onEnd: () => (ended = true),
    onDrain: () => pump(),
  })
  const chunk = Buffer.alloc(16 * 1024, 3)
  const pump = (): void => {
    while (sent < total && !ended) {
      sent += chunk.length
      if (!stream.write(chunk)) return
    }
  }
  pump()
  for (let i = 0; i < 20_000 && got < total && !ended && circuit.isOpen(); i++) {
    await new Promise((r) => setImmediate(r))
    pump()
  }
  return got
}

async function run(kinds: readonly Kind[]): Promise<{
  honestMiBps: number
  honestBytes: number
  riderBytes: number
  engines: Map<string, TunnelPayments>
}> {
  const h = createHarness(4)
  const money = createMemoryPayments()
  const relayIds = new Set(h.relays.map((r) => r.peerId))
  const base: TunnelPaymentsOptions = { unpaidCapBytes: CAP, isRelay: (p) => relayIds.has(p) }
  const engines = new Map<string, TunnelPayments>()
  for (const node of [...h.relays, h.exit])
    engines.set(node.peerId, createTunnelPayments({ node, port: money.port(node.peerId) }, base))
  const directory = [...h.relays, h.exit].map((n) => n.descriptor())
  const users: User[] = kinds.map((kind, i) => {
    const name = `${kind}-${i}`
    const rng = createSeededRng(name)
    const node = createTunnelNode(
      { transport: h.net.transport(name), clock: h.clock, rng },
      { identitySecret: rng.bytes(32), directory: () => directory },
    )
    node.start()
    const price =
      kind === 'never'
        ? () => 0n
        : kind === 'half'
          ? (b: bigint, hops: number, rule: Parameters<typeof downloaderPays>[2]) =>
              downloaderPays(b, hops, rule) / 2n
          : undefined
    engines.set(
      name,
      createTunnelPayments({ node, port: money.port(name) }, price === undefined ? base : { ...base, price }),
    )
    return { kind, node }
  })
  let honestBytes = 0
  let riderBytes = 0
  let honestDone = 0
  const started = performance.now()
  let honestEnd = started
  const honestCount = users.filter((u) => u.kind === 'honest').length
  await Promise.all(
    users.map(async (u) => {
      for (let round = 0; round < ROUNDS; round++) {
        let circuit: TunnelCircuit
        try {
          circuit = await u.node.buildCircuit(3)
        } catch {
          continue
        }
        const got = await download(circuit, PER_ROUND).catch(() => 0)
        if (u.kind === 'honest') {
          honestBytes += got
          expect(got).toBe(PER_ROUND)
        } else riderBytes += got
        circuit.close()
      }
      if (u.kind === 'honest' && ++honestDone === honestCount) honestEnd = performance.now()
    }),
  )
  for (const e of engines.values()) await e.flush()
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
  h.stop()
  for (const u of users) u.node.stop()
  return {
    honestMiBps: honestBytes / MiB / ((honestEnd - started) / 1000),
    honestBytes,
    riderBytes,
    engines,
  }
}

describe('free riders among users (slow)', () => {
  it('honest users keep ≥ 80 % of their throughput; no hop is owed more than one cap by any free rider', async () => {
    await run(['honest', 'honest']) // warm-up (JIT, crypto)
    // Wall-time throughput in one process moves by ±0.05 between runs (0.75–0.86 seen for the same
    // bytes): alone and mixed runs alternate three times and their medians are compared.
    const alones: Awaited<ReturnType<typeof run>>[] = []
    const mixeds: Awaited<ReturnType<typeof run>>[] = []
    for (let i = 0; i < 3; i++) {
      alones.push(await run(['honest', 'honest', 'honest', 'honest']))
      mixeds.push(await run(['honest', 'never', 'honest', 'half', 'honest', 'never', 'honest', 'half']))
    }
    const medianOf = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[1] ?? NaN
    for (const r of [...alones, ...mixeds]) expect(r.honestBytes).toBe(4 * ROUNDS * PER_ROUND)
    const aloneMiBps = medianOf(alones.map((r) => r.honestMiBps))
    const mixedMiBps = medianOf(mixeds.map((r) => r.honestMiBps))
    const mixed = mixeds[mixeds.length - 1] ?? mixeds[0]
    if (mixed === undefined) throw new Error('no mixed run')
    const ratio = mixedMiBps / aloneMiBps
    console.log(
      `honest alone ${aloneMiBps.toFixed(1)} MiB/s, with 50 % free riders ${mixedMiBps.toFixed(1)} MiB/s (medians of 3, ratio ${ratio.toFixed(2)}); free riders got ${(mixed.riderBytes / MiB).toFixed(1)} MiB in ${4 * ROUNDS} attempts`,
    )
    expect(ratio).toBeGreaterThanOrEqual(0.8)
    const riders = ['never-1', 'half-3', 'never-5', 'half-7']
    for (const [hop, engine] of mixed.engines) {
      if (!/^(r\d|x1)$/.test(hop)) continue
      const owed = engine.unpaid()
      for (const rider of riders)
        expect(owed.get(rider) ?? 0n, `${rider} at ${hop}`).toBeLessThanOrEqual(CAP + BigInt(MAX_FRAME_BYTES))
      for (const [peer, bytes] of owed)
        if (peer.startsWith('honest'))
          expect(bytes, `${peer} at ${hop}`).toBeLessThanOrEqual(BigInt(MAX_FRAME_BYTES))
    }
    // Free riders got little: at most about one cap per hop they crossed, not their 24 rounds.
    expect(mixed.riderBytes).toBeLessThan((4 * ROUNDS * PER_ROUND) / 4)
  })
})
