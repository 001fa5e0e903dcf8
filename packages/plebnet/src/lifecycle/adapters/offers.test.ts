import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger, createVirtualClock } from '@dolly/base'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import {
  GENOME_FILE,
  QTABLE_FILE,
  readAgentRecord,
  writeAgentRecord,
} from '../../daemon/adapters/agent-home.ts'
import { createRootGenome, parseGenome, serializeGenome, offerId } from '@dolly/learning'
import { parseLifecycle, serializeLifecycle } from '../state-codec.ts'
import { initialLifecycle, type LifecycleState } from '../state.ts'
import { FEE_RESERVE_SATS, learn, loadQTable } from './offers.ts'
import { homeLearnPorts, investedSatsOf } from './learn-ports.ts'

/** Plan names as shops print them; each broke `qtable.json` or `plebnet.json` before issue 14. */
const SELF = { provider: 'Shop [EU], Ltd.', option: `VPS: 2 GB, 1 core, ${'ssd '.repeat(40)}` }
const TRIED = { provider: `Ünïcødé:Hosting ${'y'.repeat(80)}`, option: `[Promo] ${'x'.repeat(490)}` }

let home: string
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dolly-offers-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

function record(): AgentRecord {
  return {
    format: 'dolly-agent',
    version: 1,
    tree: 'root.1',
    parent: null,
    contacts: [],
    childIndex: 0,
    testnet: false,
    exitNode: false,
    createdAtMs: 0,
    selfState: SELF,
  }
}

describe('the files the agent writes about offers with any name', () => {
  it('reads back the qtable.json and genome.json that learn() wrote', async () => {
    const genome = createRootGenome({ providers: [SELF.provider], version: '0.1.0', exitNode: false })
    await writeFile(join(home, GENOME_FILE), JSON.stringify(serializeGenome(genome)))
    const clock = createVirtualClock(1_000_000)
    const state = initialLifecycle(0, 86_400_000)
    await learn({ home, clock }, state, record(), TRIED, false, homeLearnPorts(home))
    await learn({ home, clock }, state, record(), TRIED, true, homeLearnPorts(home))

    const ids = [offerId(TRIED.provider, TRIED.option), offerId(SELF.provider, SELF.option)]
    const table = await loadQTable(home, [])
    expect([...table.offers].sort()).toEqual([...ids].sort())
    expect(table.counters.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    const again = JSON.parse(await readFile(join(home, QTABLE_FILE), 'utf8')) as unknown
    expect(again).toBeTypeOf('object')
    const evolved = parseGenome(JSON.parse(await readFile(join(home, GENOME_FILE), 'utf8')))
    expect(Object.keys(evolved.providerWeights).sort()).toEqual(
      [SELF.provider.toLowerCase(), TRIED.provider.toLowerCase()].sort(),
    )
  })

  it('learns the efficiency reward from the MB earned over the money its parent invested (ALGORITHMS.md §3)', async () => {
    const DAY = 86_400_000
    const clock = createVirtualClock(3 * DAY)
    const state = initialLifecycle(0, 30 * DAY)
    // $5 at the world's 1,000 sats per USD, plus the fee reserve the tick adds to every price.
    const invested = { ...record(), selfPriceSats: String(5_000n + FEE_RESERVE_SATS) }
    const since: number[] = []
    await learn({ home, clock }, state, invested, TRIED, true, {
      remoteTables: homeLearnPorts(home).remoteTables,
      earnings: {
        earnedMbSince: (ms) => {
          since.push(ms)
          return Promise.resolve(60_000)
        },
      },
    })
    expect(since).toEqual([0])
    const table = await loadQTable(home, [])
    const self = table.offers.indexOf(offerId(SELF.provider, SELF.option))
    // 60,000 MB / ($5 · 3 days) / 20,000 = 0.2, added to the current server's column of E.
    for (const row of table.e) expect(row[self]).toBeCloseTo(0.2, 9)
    expect(investedSatsOf(record(), FEE_RESERVE_SATS)).toBeNull()
  })

  it('logs what it merged, and a reward it could not price (a server bought by hand)', async () => {
    const log = createMemoryLogger()
    const clock = createVirtualClock(0)
    await learn({ home, clock }, initialLifecycle(0, 1), record(), TRIED, false, homeLearnPorts(home, log))
    expect(log.entries.find((e) => e.event === 'tick.learned')).toMatchObject({
      fields: { remotes: 0, reward: 0, success: false },
    })
    expect(log.entries.some((e) => e.event === 'tick.reward_unpriced')).toBe(true)
  })

  it('reads back agent.json and the lifecycle state holding such names', async () => {
    await writeAgentRecord(home, record())
    expect((await readAgentRecord(home))?.selfState).toEqual(SELF)
    const state = {
      ...initialLifecycle(0, 86_400_000),
      excludedProviders: [TRIED.provider],
      providerFailures: { [TRIED.provider]: 1 },
    }
    const withItem: LifecycleState = {
      ...state,
      items: [
        {
          id: 'p1',
          ...TRIED,
          priceSats: 1234n,
          stage: 'bought',
          purchaseId: null,
          txid: null,
          ip: null,
          leaseEndMs: null,
          childTree: null,
          childIndex: null,
          attempts: 0,
          nextTryMs: 0,
          sinceMs: 0,
        },
      ],
    }
    expect(parseLifecycle(serializeLifecycle(withItem))).toEqual(withItem)
  })

  it('still reads a qtable.json written under the old id grammar', async () => {
    const old =
      '{"version":1,"offers":["linevast_basic","qhoster_small"],"qtable":{"linevast_basic":{"linevast_basic":0,"qhoster_small":0.3},"qhoster_small":{"linevast_basic":0,"qhoster_small":0}},"environment":{"linevast_basic":{"linevast_basic":0,"qhoster_small":0.4},"qhoster_small":{"linevast_basic":0,"qhoster_small":0}},"counters":{"linevast_basic":0,"qhoster_small":1}}\n'
    await writeFile(join(home, QTABLE_FILE), old)
    const table = await loadQTable(home, [])
    expect(table.offers).toEqual(['linevast_basic', 'qhoster_small'])
    expect(table.q[0]?.[1]).toBe(0.3)
    expect(table.counters).toEqual([0, 1])
  })
})
