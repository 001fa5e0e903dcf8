/** What the CLI's commands need from the composition root (main.ts), injectable for tests. */
import type { Clock, Logger, Rng } from '@dolly/base'
import type { HttpSession } from '../http/session.ts'
import type { Currency } from '../model.ts'
import type { PaymentWallet, RateSource } from '../ports.ts'
import type { AccountStore } from '../purchase/accounts.ts'
import type { JournalStore } from '../purchase/journal.ts'
import type { RegistryEntry } from '../providers/registry.ts'
import type { Ini } from '../config.ts'

/** Wallet settings from `[payment]` and the flags. */
export interface WalletChoice {
  /** Directory with `wallet.json` (keystore) and `wallet.sqlite` (its journal). */
  readonly walletpath: string | undefined
  /** Chain backend URL (Core RPC, esplora+https, electrum). */
  readonly backend: string | undefined
  /** Network asked for (`--testnet`, `[payment] network`); checked against the keystore's. */
  readonly network: string | undefined
  /** `[payment] max_fee_pct`: refuse a network fee above this share of the amount. */
  readonly maxFeePercent: string | undefined
}

/** SSH operations (adapter: ssh2). */
export interface SshPort {
  exec(
    target: { host: string; username: string; password: string },
    command: string,
  ): Promise<{ stdout: string; exitCode: number | null }>
  setRootPassword(
    target: { host: string; username: string; password: string },
    newPassword: string,
  ): Promise<void>
  interactive(target: { host: string; username: string; password: string }): Promise<number>
}

/** The environment of the CLI. */
export interface CloudomateCliEnv {
  readonly defaultHome: string
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  readText(path: string): Promise<string | undefined>
  /** Writes a file only its owner can read (0600). */
  writeSecretFile(path: string, text: string): Promise<void>
  newSession(): HttpSession
  journal(home: string): JournalStore
  accounts(home: string): AccountStore
  /** Opens the paying wallet; `close` releases its files and sockets. */
  openWallet(choice: WalletChoice): Promise<{ wallet: PaymentWallet; close(): void }>
  /** The rate source for a network (`world` = the world's fixed rate). */
  rates(network: string, ini: Ini): RateSource
  /** Asks a yes/no question on the terminal; false on EOF. */
  confirm(question: string): Promise<boolean>
  registry(ini: Ini): readonly RegistryEntry[]
  readonly ssh: SshPort
  /** Prices are shown in this fiat currency's estimate columns. */
  readonly displayCurrency?: Currency
}
