import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PurchaseAccount } from '../providers/driver.ts'
import { createFileAccountStore } from './account-files.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'accounts-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const account = (password: string): PurchaseAccount => ({
  purchaseId: '0123456789abcdef01234567',
  provider: 'shop',
  optionId: '1',
  settings: { email: 'a@b.c' },
  data: { rootPassword: password },
})

describe('purchase account files', () => {
  it('writes each account 0600 in a 0700 directory, with no temp file left', async () => {
    const store = createFileAccountStore(join(dir, 'purchases'))
    await store.save(account('one'))
    expect(await store.load('0123456789abcdef01234567')).toEqual(account('one'))
    const file = join(dir, 'purchases', '0123456789abcdef01234567.json')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'purchases'))).mode & 0o777).toBe(0o700)
    expect(await readdir(join(dir, 'purchases'))).toEqual(['0123456789abcdef01234567.json'])
  })

  it('survives concurrent saves of one account (one shared temp name made the second rename fail)', async () => {
    const store = createFileAccountStore(join(dir, 'purchases'))
    const passwords = Array.from({ length: 8 }, (_, i) => `pw${i}`)
    await Promise.all(passwords.map((p) => store.save(account(p))))
    const saved = await store.load('0123456789abcdef01234567')
    expect(passwords).toContain(saved?.data['rootPassword'])
    expect(await store.list()).toHaveLength(1)
    expect(await readdir(join(dir, 'purchases'))).toEqual(['0123456789abcdef01234567.json'])
  })

  it('fsyncs the account file and its directory before save resolves', async () => {
    const probe = await open(join(dir, 'probe'), 'w')
    const handleProto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> }
    await probe.close()
    const sync = vi.spyOn(handleProto, 'sync')
    try {
      await createFileAccountStore(join(dir, 'purchases')).save(account('one'))
      // One fsync of the file's data, one of the directory holding the rename.
      expect(sync).toHaveBeenCalledTimes(2)
    } finally {
      sync.mockRestore()
    }
  })
})
