import { DatabaseSync } from 'node:sqlite'
import type { MetricName } from '../constants.ts'
import { VisionError } from '../errors.ts'
import type { Observation } from '../observation.ts'
import { nodeAfter, type NodeRecord, type Point, type VisionStore } from '../store.ts'

interface NodeRow {
  tree: string
  nick: string
  host: string
  option: string
  vpn: number
  exitnode: number
  first_seen_ms: number
  last_seen_ms: number
  goodbye_ms: number | null
}

const rowToNode = (r: NodeRow): NodeRecord =>
  Object.freeze({
    tree: r.tree,
    nick: r.nick,
    host: r.host,
    option: r.option,
    vpn: r.vpn === 1,
    exitnode: r.exitnode === 1,
    firstSeenMs: r.first_seen_ms,
    lastSeenMs: r.last_seen_ms,
    goodbyeMs: r.goodbye_ms,
  })

/** The sqlite store, with a small key-value table for its own bookkeeping. */
export interface SqliteVisionStore extends VisionStore {
  getMeta(key: string): string | undefined
  setMeta(key: string, value: string): void
}

/**
 * The store in an sqlite file (`node:sqlite`; `:memory:` for a throw-away one): a `samples` table of
 * metric points and a `nodes` table of the latest `general` per tree path.
 */
export function openSqliteStore(path: string): SqliteVisionStore {
  let db: DatabaseSync
  try {
    db = new DatabaseSync(path)
    db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS samples (
        at_ms INTEGER NOT NULL, nick TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL);
      CREATE INDEX IF NOT EXISTS samples_series ON samples (nick, metric, at_ms);
      CREATE TABLE IF NOT EXISTS nodes (
        tree TEXT PRIMARY KEY, nick TEXT NOT NULL, host TEXT NOT NULL, option TEXT NOT NULL,
        vpn INTEGER NOT NULL, exitnode INTEGER NOT NULL, first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL, goodbye_ms INTEGER);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `)
  } catch (err) {
    throw new VisionError(
      'VISION_STORE_FAILED',
      `cannot open the Vision database ${path}: ${(err as Error).message}`,
      { path },
      { cause: err },
    )
  }
  const insertSample = db.prepare('INSERT INTO samples (at_ms, nick, metric, value) VALUES (?, ?, ?, ?)')
  const selectSeries = db.prepare(
    'SELECT at_ms, value FROM (SELECT at_ms, value FROM samples WHERE nick = ? AND metric = ? ORDER BY at_ms DESC, rowid DESC LIMIT ?) ORDER BY at_ms ASC',
  )
  const selectNode = db.prepare('SELECT * FROM nodes WHERE tree = ?')
  const selectNodes = db.prepare('SELECT * FROM nodes ORDER BY tree')
  const upsertNode = db.prepare(`
    INSERT INTO nodes (tree, nick, host, option, vpn, exitnode, first_seen_ms, last_seen_ms, goodbye_ms)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (tree) DO UPDATE SET nick = excluded.nick, host = excluded.host, option = excluded.option,
      vpn = excluded.vpn, exitnode = excluded.exitnode, first_seen_ms = excluded.first_seen_ms,
      last_seen_ms = excluded.last_seen_ms, goodbye_ms = excluded.goodbye_ms`)
  const selectMeta = db.prepare('SELECT value FROM meta WHERE key = ?')
  const upsertMeta = db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  )
  let open = true

  return {
    add(o: Observation) {
      if (o.kind === 'metric') {
        insertSample.run(o.atMs, o.nick, o.metric, o.value)
        return
      }
      const tree = o.kind === 'general' ? o.general.tree : o.tree
      const row = selectNode.get(tree) as NodeRow | undefined
      const next = nodeAfter(row === undefined ? undefined : rowToNode(row), o)
      if (next === undefined) return
      upsertNode.run(
        next.tree,
        next.nick,
        next.host,
        next.option,
        next.vpn ? 1 : 0,
        next.exitnode ? 1 : 0,
        next.firstSeenMs,
        next.lastSeenMs,
        next.goodbyeMs,
      )
    },
    series(nick: string, metric: MetricName, limit: number): readonly Point[] {
      return (selectSeries.all(nick, metric, limit) as { at_ms: number; value: number }[]).map((r) => ({
        atMs: r.at_ms,
        value: r.value,
      }))
    },
    nodes() {
      return (selectNodes.all() as unknown as NodeRow[]).map(rowToNode)
    },
    getMeta(key) {
      const row = selectMeta.get(key) as { value: string } | undefined
      return row?.value
    },
    setMeta(key, value) {
      upsertMeta.run(key, value)
    },
    close() {
      if (!open) return
      open = false
      db.close()
    },
  }
}
