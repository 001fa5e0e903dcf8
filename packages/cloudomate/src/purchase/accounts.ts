/** Storage of per-purchase accounts (identity, credentials, driver data); adapter: one 0600 file each. */
import type { PurchaseAccount } from '../providers/driver.ts'

/** Durable per-purchase accounts. */
export interface AccountStore {
  save(account: PurchaseAccount): Promise<void>
  load(purchaseId: string): Promise<PurchaseAccount | undefined>
  list(): Promise<readonly PurchaseAccount[]>
}

/** An in-memory store (tests). */
export function createMemoryAccountStore(): AccountStore {
  const accounts = new Map<string, PurchaseAccount>()
  return {
    save: async (a) => {
      accounts.set(a.purchaseId, a)
    },
    load: async (id) => accounts.get(id),
    list: async () => [...accounts.values()],
  }
}

/** Merges driver data into an account. */
export function withData(
  account: PurchaseAccount,
  data: Readonly<Record<string, string>> | undefined,
): PurchaseAccount {
  if (data === undefined || Object.keys(data).length === 0) return account
  return { ...account, data: { ...account.data, ...data } }
}
