import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TICK_LOCK_FILE, acquireTickLock } from './tick-lock.ts'

describe('tick lock', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
  })

  it('refuses a second holder while a living process holds it, and takes over a dead holder’s lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tick-lock-'))
    dirs.push(dir)
    // PID 1 is always alive: a lock it holds must be respected.
    await writeFile(join(dir, TICK_LOCK_FILE), '1')
    expect(await acquireTickLock(dir)).toBeUndefined()
    // A pid far above pid_max cannot be alive: the holder died (kill -9).
    await writeFile(join(dir, TICK_LOCK_FILE), '99999999')
    const release = await acquireTickLock(dir)
    expect(release).toBeDefined()
    await release?.()
    const again = await acquireTickLock(dir)
    expect(again).toBeDefined()
    await again?.()
  })
})
