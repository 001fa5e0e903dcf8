import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { RemoteEntry } from '@dolly/learning'
import {
  fileRemoteTables,
  overlayRemoteTables,
  readRemoteEntries,
  REMOTE_QTABLES_FILE,
  REMOTE_QTABLES_USED_FILE,
  remoteTablesFile,
} from './remote-tables.ts'

const homes: string[] = []
afterEach(async () => {
  for (const h of homes.splice(0)) await rm(h, { recursive: true, force: true })
})
const home = async (): Promise<string> => {
  const h = await mkdtemp(join(tmpdir(), 'dolly-remote-tables-'))
  homes.push(h)
  return h
}
const id = (c: string): string => c.repeat(64)
const entry = (
  sender: string,
  receivedMs: number,
  standing: RemoteEntry['standing'] = 'family',
): RemoteEntry => ({
  senderId: id(sender),
  receivedMs,
  standing,
  knownSinceMs: 0,
  table: {
    offers: ['a_1', 'b_2'],
    q: [
      [receivedMs / 1000, 0],
      [0, 1],
    ],
  },
})

/** Writes `remote-qtables.json` as the network component does. */
async function daemonWrites(h: string, entries: readonly RemoteEntry[]): Promise<void> {
  await writeFile(join(h, REMOTE_QTABLES_FILE), JSON.stringify(remoteTablesFile({ entries }), null, 2))
}

describe("RemoteTables over the daemon's remote-qtables.json", () => {
  it('reads nothing before the daemon wrote the file', async () => {
    expect((await fileRemoteTables(await home()).pending()).entries).toEqual([])
  })

  it('hands each version out once, across processes, and a newer version again', async () => {
    const h = await home()
    await daemonWrites(h, [entry('a', 1_000), entry('b', 2_000, 'stranger')])
    const first = await fileRemoteTables(h).pending()
    expect(first.entries).toEqual([entry('a', 1_000), entry('b', 2_000, 'stranger')])
    await fileRemoteTables(h).markUsed([entry('a', 1_000)])
    // Another process (a new adapter over the same home) sees only b's table.
    expect((await fileRemoteTables(h).pending()).entries.map((e) => e.senderId)).toEqual([id('b')])
    // a publishes a new version: pending again. b left the inbox: forgotten by the record.
    await daemonWrites(h, [entry('a', 5_000)])
    expect((await fileRemoteTables(h).pending()).entries).toEqual([entry('a', 5_000)])
    await fileRemoteTables(h).markUsed([entry('a', 5_000)])
    const used = JSON.parse(await readFile(join(h, REMOTE_QTABLES_USED_FILE), 'utf8')) as { used: unknown }
    expect(used.used).toEqual({ [id('a')]: 5_000 })
  })

  it('writes only offers and Q of a gossiped table, and still reads a file that held E and counters too', async () => {
    const h = await home()
    const whole = {
      ...entry('a', 1_000),
      table: {
        ...entry('a', 1_000).table,
        e: [
          [1, 2],
          [3, 4],
        ],
        counters: [1, 2],
      },
    }
    const file = remoteTablesFile({ entries: [whole] })
    expect(Object.keys(file.entries[0] ?? {}).sort()).toEqual([
      'knownSinceMs',
      'offers',
      'q',
      'receivedMs',
      'senderId',
      'standing',
    ])
    const older = {
      ...file,
      entries: file.entries.map((e) => ({
        ...e,
        e: [
          [1, 2],
          [3, 4],
        ],
        counters: [1, 2],
      })),
    }
    await writeFile(join(h, REMOTE_QTABLES_FILE), JSON.stringify(older))
    expect(await readRemoteEntries(h)).toEqual([entry('a', 1_000)])
  })

  it('refuses a file that is not the daemon format with a code', async () => {
    const h = await home()
    await writeFile(
      join(h, REMOTE_QTABLES_FILE),
      JSON.stringify({
        format: 'dolly-remote-qtables',
        version: 1,
        entries: [{ ...entry('a', 1), q: [[1]] }],
      }),
    )
    await expect(readRemoteEntries(h)).rejects.toMatchObject({ code: 'NETWORK_ENTRY_MALFORMED' })
    await writeFile(
      join(h, REMOTE_QTABLES_FILE),
      JSON.stringify({ format: 'other', version: 1, entries: [] }),
    )
    await expect(fileRemoteTables(h).pending()).rejects.toMatchObject({ code: 'NETWORK_ENTRY_MALFORMED' })
  })
})

describe('RemoteTables over the running overlay', () => {
  it('keeps the latest table per sender as the overlay accepts them, and each version once', async () => {
    const listeners: ((e: RemoteEntry) => void)[] = []
    const tables = overlayRemoteTables({
      onQTable: (l) => {
        listeners.push(l)
        return () => listeners.splice(listeners.indexOf(l), 1)
      },
    })
    const accept = (e: RemoteEntry): void => listeners.forEach((l) => l(e))
    accept(entry('a', 1_000))
    accept(entry('a', 2_000))
    accept(entry('b', 1_500, 'known'))
    expect((await tables.pending()).entries.map((e) => [e.senderId, e.receivedMs])).toEqual([
      [id('a'), 2_000],
      [id('b'), 1_500],
    ])
    await tables.markUsed([entry('a', 2_000)])
    expect((await tables.pending()).entries.map((e) => e.senderId)).toEqual([id('b')])
    tables.close()
    accept(entry('c', 3_000))
    expect(listeners).toHaveLength(0)
    expect((await tables.pending()).entries.map((e) => e.senderId)).toEqual([id('b')])
  })
})
