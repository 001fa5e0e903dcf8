import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { initialLifecycle } from '../state.ts'
import { openLifecycleStore } from './state-store.ts'

describe('lifecycle store', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
  })

  it('keeps the last saved state across reopen, and the metrics series', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifecycle-store-'))
    dirs.push(dir)
    const path = join(dir, 'state.sqlite')
    const a = openLifecycleStore(path)
    expect(a.load()).toBeUndefined()
    const state = initialLifecycle(5, 100)
    a.save(state)
    a.save({ ...state, heirPaid: true })
    a.recordMetric(1, 10n)
    a.recordMetric(2, 20n)
    a.close()
    const b = openLifecycleStore(path)
    expect(b.load()).toEqual({ ...state, heirPaid: true })
    expect(b.metrics(1)).toEqual([{ atMs: 2, spendableSats: 20n }])
    b.close()
  })
})
