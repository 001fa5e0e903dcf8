/**
 * @dolly/cloudomate — buys VPS (and VPN) service with Bitcoin, fully automatically: data-driven WHMCS +
 * SolusVM shop drivers, payment gateways, the client area, a purchase journal that never pays an
 * invoice twice, waiting until active, and the `cloudomate` CLI. Pays through the `PaymentWallet` port.
 */
export {
  CloudomateError,
  CLOUDOMATE_EXIT,
  CLOUDOMATE_EXIT_STATUS,
  type CloudomateErrorCode,
} from './errors.ts'
export { CLOUDOMATE_CLI_EXIT_STATUS } from './cli/exit-status.ts'
export type {
  Currency,
  Price,
  PricePeriod,
  Virtualization,
  VpsOption,
  VpnOption,
  VpsConfiguration,
  VpsStatus,
  VpnConfiguration,
  WireguardConfig,
  ClientAreaService,
  PaymentQuote,
  Usage,
} from './model.ts'
export type { PaymentWallet, WalletPayment, WalletPaymentState, RateSource, Rate } from './ports.ts'
export { paymentWalletFrom } from './wallet-port.ts'
export { createFixedRateSource } from './rates.ts'
export { createMempoolRateSource, MEMPOOL_PRICES_URL } from './adapters/mempool-rates.ts'
export { createHttpSession, type HttpSession, type HttpSend, type Page } from './http/session.ts'
export { createFetchSend } from './adapters/fetch-send.ts'
export { parseForm, parseForms, type Form } from './http/form.ts'
export { parseCents, parsePriceText, centsToSats, withFeePercent, formatCents } from './price.ts'
export { SETTING_KEYS, WHMCS_REQUIRED, requireSettings, type Settings, type SettingKey } from './settings.ts'
export { parseIni, formatIni, iniValue, resolveSettings, type Ini } from './config.ts'
export { generateIdentity, generatePassword } from './identity.ts'
export type {
  VpsDriver,
  DriverContext,
  PurchaseAccount,
  OrderResult,
  ServiceState,
} from './providers/driver.ts'
export { createVpsRegistry, findDriver, type RegistryEntry } from './providers/registry.ts'
export { vpsProviderNeeds, type ProviderNeeds } from './providers/needs.ts'
export { WORLD_SHOPS, REAL_SHOPS } from './providers/shops.ts'
export {
  createNjallaDriver,
  njallaTopupEuros,
  checkNjallaTopup,
  NJALLA_URL,
  type NjallaOptions,
} from './api/njalla.ts'
export {
  createLunanodeDriver,
  lunanodeSignature,
  hourlyToMonthCents,
  LUNANODE_URL,
  type LunanodeOptions,
} from './api/lunanode.ts'
export { createAzirevpnDriver, AZIREVPN_URL, type AzirevpnOptions } from './vpn/azirevpn.ts'
export { createMullvadDriver, MULLVAD_URL, type MullvadOptions, type VpnDriver } from './vpn/mullvad.ts'
export { activateVpn } from './vpn/activate.ts'
export {
  generateWireguardKeys,
  renderWireguardConfig,
  wireguardFromData,
  wireguardPublicKey,
  type WireguardKeyPair,
} from './vpn/wireguard.ts'
export { createWhmcsDriver, type WhmcsDriverOptions } from './whmcs/driver.ts'
export type { WhmcsShopConfig, WhmcsGateway, ListingLayout } from './whmcs/shop-config.ts'
export { classifyShopMessages } from './whmcs/classify.ts'
export {
  parseServices,
  parseProductIp,
  parseEmailList,
  parseServerMail,
  isUsableIpv4,
} from './whmcs/clientarea-pages.ts'
export { GATEWAY_FEE_PERCENT } from './gateways/flows.ts'
export {
  purchase,
  expectedSats,
  type PurchaseDeps,
  type PurchaseRequest,
  type PurchaseOutcome,
  type PurchaseProgress,
} from './purchase/purchase.ts'
export { waitUntilActive, readServiceState, type ActivateDeps } from './purchase/activate.ts'
export { DEFAULT_WAIT, nextDelayMs, type WaitSchedule } from './purchase/wait.ts'
export {
  checkPayment,
  DEFAULT_TOLERANCE_PCT,
  type PaymentPolicy,
  type SafetyVerdict,
} from './purchase/safety.ts'
export {
  foldJournal,
  createMemoryJournalStore,
  type JournalStore,
  type JournalEntry,
  type PurchaseRecord,
  type PurchaseState,
} from './purchase/journal.ts'
export { createFileJournalStore } from './adapters/journal-file.ts'
export { createMemoryAccountStore, type AccountStore } from './purchase/accounts.ts'
export { createFileAccountStore } from './adapters/account-files.ts'
export { sshExec, sshSetRootPassword, type SshTarget } from './adapters/ssh.ts'
