import { access, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { auditHome, replicationConstants } from '@dolly/plebnet'
import { readHostRecords } from '../../hosts/adapters/state-files.ts'
import { crossCheckTrades, type HomeAuditReport, type WorldTradeAudit } from '../trade-audit.ts'

/**
 * `dolly world audit` (issue 17): `plebnet market audit` over every home of the world that traded:
 * the users' homes (`<world dir>/users/<name>`) and the agents' on the hosts still up (their home,
 * CHILD_HOME, under the host's root filesystem). Each home's trades are checked against its own
 * ledger, wallet and the chain; then the two sides of each trade whose both homes are here against
 * each other: the same terms, a seller never counting sats the buyer's wallet did not pay, and a trade
 * both sides completed moving the same bytes and sats on both.
 */

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

/** The homes in the world dir `dir` that may hold trades. */
async function worldHomes(dir: string): Promise<{ name: string; kind: 'user' | 'agent'; home: string }[]> {
  const homes: { name: string; kind: 'user' | 'agent'; home: string }[] = []
  for (const name of (await readdir(join(dir, 'users')).catch(() => [])).sort())
    homes.push({ name, kind: 'user', home: join(dir, 'users', name) })
  for (const file of await readHostRecords(dir)) {
    if (!('record' in file)) continue
    const { id, ip, layerDir } = file.record
    const home = join(layerDir, 'rootfs', replicationConstants.CHILD_HOME)
    if (await exists(home)) homes.push({ name: `${id} (${ip})`, kind: 'agent', home })
  }
  return homes
}

/** Audits every trading home of the world in `dir`. */
export async function auditWorldTrades(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<WorldTradeAudit> {
  const homes: HomeAuditReport[] = []
  const problems: string[] = []
  for (const h of await worldHomes(dir)) {
    try {
      const audit = await auditHome(h.home, env)
      homes.push({ ...h, key: audit.key, trades: audit.rows })
      for (const r of audit.rows) for (const p of r.problems) problems.push(`${h.name} ${r.tradeId}: ${p}`)
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err)
      homes.push({ ...h, key: undefined, trades: [], error })
      problems.push(`${h.name}: not audited: ${error}`)
    }
  }
  return { homes, ...crossCheckTrades(homes, problems) }
}
