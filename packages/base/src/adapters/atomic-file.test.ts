import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { writeFileAtomic } from './atomic-file.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atomic-file-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('writeFileAtomic', () => {
  it('writes the content with exactly the mode asked for and leaves no temp file behind', async () => {
    const path = join(dir, 'state.json')
    const umask = process.umask(0o077)
    try {
      await writeFileAtomic(path, '{"a":1}\n', { mode: 0o644 })
    } finally {
      process.umask(umask)
    }
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n')
    expect((await stat(path)).mode & 0o777).toBe(0o644)
    expect(await readdir(dir)).toEqual(['state.json'])
  })

  it('replaces an existing file, its mode included, and writes bytes as given', async () => {
    const path = join(dir, 'secret')
    await writeFile(path, 'old and longer content', { mode: 0o644 })
    await writeFileAtomic(path, new Uint8Array([0, 1, 2, 255]), { mode: 0o600 })
    expect([...(await readFile(path))]).toEqual([0, 1, 2, 255])
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readdir(dir)).toEqual(['secret'])
  })

  it('leaves the old file untouched and no temp file when the write fails', async () => {
    const path = join(dir, 'keep')
    await writeFile(path, 'old')
    // A directory where the file should be: the rename fails after the temp file was written.
    const blocked = join(dir, 'blocked')
    await mkdir(join(blocked, 'child'), { recursive: true })
    await expect(writeFileAtomic(blocked, 'new', { mode: 0o600 })).rejects.toMatchObject({
      code: expect.stringMatching(/^E(ISDIR|NOTEMPTY|EXIST)$/),
    })
    expect(await readFile(path, 'utf8')).toBe('old')
    expect((await readdir(dir)).sort()).toEqual(['blocked', 'keep'])
  })

  it('gives every concurrent writer its own temp file: the result is one whole version', async () => {
    const path = join(dir, 'race')
    const versions = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(1000)}\n`)
    await Promise.all(versions.map((v) => writeFileAtomic(path, v, { mode: 0o600 })))
    expect(versions).toContain(await readFile(path, 'utf8'))
    expect(await readdir(dir)).toEqual(['race'])
  })

  it('creates the missing directory with dirMode when asked', async () => {
    const path = join(dir, 'a', 'b', 'file')
    await writeFileAtomic(path, 'x', { mode: 0o600, dirMode: 0o700 })
    expect(await readFile(path, 'utf8')).toBe('x')
    expect((await stat(join(dir, 'a', 'b'))).mode & 0o777).toBe(0o700)
  })

  it('fsyncs the temp file and then the directory', async () => {
    const probe = await open(join(dir, 'probe'), 'w')
    const handleProto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> }
    await probe.close()
    const sync = vi.spyOn(handleProto, 'sync')
    try {
      await writeFileAtomic(join(dir, 'f'), 'x', { mode: 0o600 })
      expect(sync).toHaveBeenCalledTimes(2)
    } finally {
      sync.mockRestore()
    }
  })
})
