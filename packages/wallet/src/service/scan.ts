import type { AbortOptions } from '@dolly/base'
import { deriveAddress, type AddressChain, type DerivedAddress, type HdNode } from '../hd/keys.ts'
import type { NetworkParams } from '../network.ts'
import type { ChainBackend } from '../ports.ts'
import { bytesToHex } from '../spend/build-transaction.ts'
import type { Utxo } from '../types.ts'

/** A confirmed coin of ours with the key path that spends it. */
export interface OwnedCoin {
  readonly utxo: Utxo
  readonly chain: AddressChain
  readonly index: number
  readonly address: string
}

/** What a gap scan found. */
export interface AccountScan {
  readonly coins: readonly OwnedCoin[]
  /** Highest index with coins (or known used) per chain; -1 when none. */
  readonly lastUsed: Readonly<Record<AddressChain, number>>
}

/** Options of {@link scanAccount}. */
export interface ScanOptions extends AbortOptions {
  readonly gapLimit: number
  /** Indexes already known to be used (handed out, or spent from), per chain. */
  readonly knownUsed?: Readonly<Record<AddressChain, number>>
  /** Upper bound on windows per chain, so a hostile backend cannot keep us scanning forever. */
  readonly maxWindows?: number
}

/**
 * BIP44 gap scan of both chains of an account: derives addresses window by window and stops after
 * `gapLimit` consecutive addresses with no coins past the last used one. One backend call per window
 * covers both chains, because `scantxoutset` reads the whole UTXO set on every call.
 */
export async function scanAccount(
  chain: ChainBackend,
  account: HdNode,
  params: NetworkParams,
  options: ScanOptions,
): Promise<AccountScan> {
  const lastUsed: Record<AddressChain, number> = {
    0: options.knownUsed?.[0] ?? -1,
    1: options.knownUsed?.[1] ?? -1,
  }
  const scannedTo: Record<AddressChain, number> = { 0: -1, 1: -1 }
  const coins: OwnedCoin[] = []
  const maxWindows = options.maxWindows ?? 1000
  for (let window = 0; window < maxWindows; window++) {
    const batch: DerivedAddress[] = []
    for (const c of [0, 1] as const) {
      const end = lastUsed[c] + options.gapLimit
      for (let i = scannedTo[c] + 1; i <= end; i++) batch.push(deriveAddress(account, params, c, i))
      scannedTo[c] = Math.max(scannedTo[c], end)
    }
    if (batch.length === 0) break
    const byScript = new Map(batch.map((a) => [scriptHexOf(a), a]))
    const utxos = await chain.listUnspent([...byScript.keys()], options)
    for (const utxo of utxos) {
      const owner = byScript.get(utxo.scriptHex)
      if (owner === undefined) continue
      coins.push({ utxo, chain: owner.chain, index: owner.index, address: owner.address })
      lastUsed[owner.chain] = Math.max(lastUsed[owner.chain], owner.index)
    }
  }
  return { coins, lastUsed }
}

/**
 * The hex of an address's output script, kept per derived address (the addresses are cached and
 * the same window is scanned on every balance, so the tick hex-encoded the same scripts again).
 */
const scriptHexes = new WeakMap<DerivedAddress, string>()
function scriptHexOf(a: DerivedAddress): string {
  let hex = scriptHexes.get(a)
  if (hex === undefined) {
    hex = bytesToHex(a.script)
    scriptHexes.set(a, hex)
  }
  return hex
}

/** "txid:vout" of a coin. */
export function outpointOf(utxo: Pick<Utxo, 'txid' | 'vout'>): string {
  return `${utxo.txid}:${utxo.vout}`
}
