import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { PurchaseItem } from '../../lifecycle/state.ts'
import { createChildFactsFiles } from './postcard-files.ts'

const item: PurchaseItem = {
  id: 'p0',
  provider: 'linevast',
  option: 'Basic',
  priceSats: 123_456n,
  stage: 'installed',
  purchaseId: 'pu0',
  txid: 'ab'.repeat(32),
  ip: '10.0.0.9',
  leaseEndMs: null,
  childTree: 'plebbot42.0',
  childIndex: 0,
  attempts: 0,
  nextTryMs: 0,
  sinceMs: 0,
}

const homes: string[] = []
afterEach(async () => {
  for (const h of homes.splice(0)) await rm(h, { recursive: true, force: true })
})

describe("a child's facts for its postcard", () => {
  it("names the nick the child's bot chose, asked at the child's address, when it answers", async () => {
    const home = await mkdtemp(join(tmpdir(), 'dolly-postcard-facts-'))
    homes.push(home)
    const asked: string[] = []
    const facts = createChildFactsFiles(home, (ip) => {
      asked.push(ip)
      return Promise.resolve(ip === '10.0.0.9' ? 'plebbot5150' : undefined)
    })
    expect(await facts.facts(item)).toEqual({ nick: 'plebbot5150' })
    expect(asked).toEqual(['10.0.0.9'])
    // A child that does not answer, or fails, has no nick yet; one without an address is not asked.
    expect(await facts.facts({ ...item, ip: '10.0.0.8' })).toEqual({})
    const failing = createChildFactsFiles(home, () => Promise.reject(new Error('refused')))
    expect(await failing.facts(item)).toEqual({})
    expect(await facts.facts({ ...item, ip: null })).toEqual({})
    expect(asked).toEqual(['10.0.0.9', '10.0.0.8'])
    // Without a way to ask, the nick stays unknown.
    expect(await createChildFactsFiles(home).facts(item)).toEqual({})
  })
})
