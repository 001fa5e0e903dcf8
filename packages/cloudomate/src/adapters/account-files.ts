/**
 * Per-purchase accounts as files `<dir>/<purchaseId>.json`, mode 0600 (they hold the shop password and
 * the root password), written with the project's atomic, fsynced write, so a crash never leaves half a
 * file nor loses one the purchase already reported.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '@dolly/base'
import { z } from 'zod'
import { CloudomateError } from '../errors.ts'
import type { PurchaseAccount } from '../providers/driver.ts'
import type { AccountStore } from '../purchase/accounts.ts'

const schema = z.object({
  purchaseId: z.string().regex(/^[0-9a-f]{8,64}$/),
  provider: z.string(),
  optionId: z.string(),
  settings: z.record(z.string(), z.string()),
  data: z.record(z.string(), z.string()),
})

/** Opens the account directory. */
export function createFileAccountStore(dir: string): AccountStore {
  const load = async (file: string): Promise<PurchaseAccount> => {
    const parsed = schema.safeParse(JSON.parse(await readFile(file, 'utf8')))
    if (!parsed.success) {
      throw new CloudomateError(
        'CLOUDOMATE_CONFIG_MALFORMED',
        `${file} is not a purchase account: ${parsed.error.message}`,
        { file },
      )
    }
    return parsed.data
  }
  return {
    save: async (account) => {
      await writeFileAtomic(
        join(dir, `${account.purchaseId}.json`),
        `${JSON.stringify(account, null, 2)}\n`,
        {
          mode: 0o600,
          dirMode: 0o700,
        },
      )
    },
    load: async (purchaseId) => {
      if (!/^[0-9a-f]{8,64}$/.test(purchaseId)) return undefined
      try {
        return await load(join(dir, `${purchaseId}.json`))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },
    list: async () => {
      let names: string[]
      try {
        names = await readdir(dir)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw err
      }
      return Promise.all(
        names
          .filter((n) => n.endsWith('.json'))
          .sort()
          .map((n) => load(join(dir, n))),
      )
    },
  }
}
