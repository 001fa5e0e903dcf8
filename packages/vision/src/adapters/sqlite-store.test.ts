import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger } from '@dolly/base'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryStore, type VisionStore } from '../store.ts'
import { loadVisionAssets } from './assets.ts'
import { openSqliteStore } from './sqlite-store.ts'
import { importTrackerData } from './tracker-data-file.ts'

let dir = ''
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vision-store-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const general = (atMs: number, nick: string, tree: string, host = 'linevast') =>
  ({ kind: 'general', atMs, nick, general: { host, option: 'o', vpn: true, tree, exitnode: false } }) as const

/** The same behaviour from every store adapter. */
function storeContract(name: string, open: () => VisionStore) {
  describe(`${name} store`, () => {
    it('keeps series per nick and metric, oldest first, the newest `limit`', () => {
      const s = open()
      s.add({ kind: 'metric', atMs: 30, nick: 'a', metric: 'uploaded', value: 3 })
      s.add({ kind: 'metric', atMs: 10, nick: 'a', metric: 'uploaded', value: 1 })
      s.add({ kind: 'metric', atMs: 20, nick: 'a', metric: 'uploaded', value: 2 })
      s.add({ kind: 'metric', atMs: 20, nick: 'b', metric: 'uploaded', value: 9 })
      s.add({ kind: 'metric', atMs: 20, nick: 'a', metric: 'downloaded', value: 8 })
      expect(s.series('a', 'uploaded', 10)).toEqual([
        { atMs: 10, value: 1 },
        { atMs: 20, value: 2 },
        { atMs: 30, value: 3 },
      ])
      expect(s.series('a', 'uploaded', 2).map((p) => p.value)).toEqual([2, 3])
      expect(s.series('c', 'uploaded', 2)).toEqual([])
      s.close()
    })

    it('keeps the latest general per tree path, first and last seen, and the goodbye', () => {
      const s = open()
      s.add(general(100, 'x', 'P'))
      s.add(general(300, 'y', 'P', 'twosync'))
      s.add(general(200, 'z', 'P', 'old'))
      s.add({ kind: 'goodbye', atMs: 400, nick: 'y', tree: 'P' })
      s.add({ kind: 'goodbye', atMs: 500, nick: 'q', tree: 'P.3' })
      const byTree = new Map(s.nodes().map((n) => [n.tree, n]))
      expect(byTree.get('P')).toEqual({
        tree: 'P',
        nick: 'y',
        host: 'twosync',
        option: 'o',
        vpn: true,
        exitnode: false,
        firstSeenMs: 100,
        lastSeenMs: 300,
        goodbyeMs: 400,
      })
      expect(byTree.get('P.3')).toMatchObject({ nick: 'q', goodbyeMs: 500, host: '' })
      s.close()
      s.close()
    })
  })
}

storeContract('memory', () => createMemoryStore())
storeContract('sqlite', () => openSqliteStore(join(dir, 'v.sqlite')))

describe('sqlite store on disk', () => {
  it('keeps what it stored across a reopen, and its bookkeeping', () => {
    const path = join(dir, 'v.sqlite')
    const a = openSqliteStore(path)
    a.add(general(1, 'x', 'P'))
    a.add({ kind: 'metric', atMs: 5, nick: 'x', metric: 'MB_balance', value: 4 })
    a.setMeta('k', '42')
    a.close()
    const b = openSqliteStore(path)
    expect(b.nodes().map((n) => n.tree)).toEqual(['P'])
    expect(b.series('x', 'MB_balance', 9)).toEqual([{ atMs: 5, value: 4 }])
    expect(b.getMeta('k')).toBe('42')
    expect(b.getMeta('none')).toBeUndefined()
    b.close()
  })

  it('fails with VISION_STORE_FAILED on a path it cannot open', () => {
    expect(() => openSqliteStore(join(dir, 'no', 'such', 'dir', 'v.sqlite'))).toThrow(
      expect.objectContaining({ code: 'VISION_STORE_FAILED' }),
    )
  })
})

describe('importTrackerData', () => {
  it('imports complete lines from an offset, counts bad ones, leaves a torn last line for later', async () => {
    const path = join(dir, 'tracker.data')
    const store = createMemoryStore()
    const logger = createMemoryLogger()
    await writeFile(
      path,
      [
        "2018-06-02 13:04:05,678;plebbot1;general;{'host': 'linevast', 'option': 'Basic', 'vpn': False, 'tree': 'plebbot1', 'exitnode': False}",
        '2018-06-02 13:04:07,000;plebbot1;BM_balance;12',
        'a broken line',
        '2018-06-02 13:04:09,000;plebbot1;uploaded;5',
        '2018-06-02 13:04:11,000;plebbot1;downl',
      ].join('\n'),
    )
    const first = await importTrackerData(path, store, logger)
    expect(first).toMatchObject({ imported: 3, rejected: 1 })
    expect(logger.entries.map((e) => [e.event, e.fields['code']])).toEqual([
      ['tracker_data.line_rejected', 'VISION_DATA_MALFORMED'],
    ])
    expect(store.series('plebbot1', 'MB_balance', 9)).toEqual([{ atMs: 1_527_944_647_000, value: 12 }])
    await appendFile(path, 'oaded;7\n')
    const second = await importTrackerData(path, store, logger, first.endOffset)
    expect(second).toMatchObject({ imported: 1, rejected: 0 })
    expect(store.series('plebbot1', 'downloaded', 9).map((p) => p.value)).toEqual([7])
    expect(store.nodes().map((n) => n.tree)).toEqual(['plebbot1'])
  })

  it('imports nothing from a missing file', async () => {
    expect(await importTrackerData(join(dir, 'none'), createMemoryStore(), createMemoryLogger())).toEqual({
      imported: 0,
      rejected: 0,
      endOffset: 0,
    })
  })
})

describe('loadVisionAssets', () => {
  it('reads cytoscape, uPlot and the page script from the installed packages', async () => {
    const a = await loadVisionAssets()
    expect(a.cytoscapeJs.length).toBeGreaterThan(100_000)
    expect(a.uplotJs).toContain('uPlot')
    expect(a.uplotCss).toContain('.uplot')
    expect(a.clientJs).toContain("new EventSource('/events')")
  })
})
