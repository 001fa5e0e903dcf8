import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TICK_LOCK_FILE, acquireTickLock } from './tick-lock.ts'

describe('tick lock', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
  })

  it('refuses a second holder at once while the first holds it, and is free again after release', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tick-lock-'))
    dirs.push(dir)
    const release = await acquireTickLock(dir)
    expect(release).toBeDefined()
    expect(await acquireTickLock(dir)).toBeUndefined()
    expect((await stat(join(dir, TICK_LOCK_FILE))).mode & 0o777).toBe(0o600)
    await release?.()
    await release?.()
    const again = await acquireTickLock(dir)
    expect(again).toBeDefined()
    await again?.()
  })
})
