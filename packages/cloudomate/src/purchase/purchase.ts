/**
 * The purchase flow (CLOUDOMATE.md §4 steps 6–7, §15): journal the intent, quote through the driver,
 * run the safety rules, write `paying`, pay once, write `paid`. A retry first settles any unfinished
 * purchase of the same provider from the journal, so an invoice is never paid twice.
 */
import {
  errorCode,
  noCheckpoint,
  type AbortOptions,
  type Checkpoint,
  type Clock,
  type Logger,
  type Rng,
} from '@dolly/base'
import { CloudomateError } from '../errors.ts'
import type { HttpSession } from '../http/session.ts'
import type { PaymentQuote } from '../model.ts'
import type { PaymentWallet, RateSource, WalletPayment } from '../ports.ts'
import { centsToSats, withFeePercent } from '../price.ts'
import type { DriverContext, OrderingDriver, PricedOption, PurchaseAccount } from '../providers/driver.ts'
import { requireSettings, type Settings } from '../settings.ts'
import { withData, type AccountStore } from './accounts.ts'
import { foldJournal, type JournalEntry, type JournalStore, type PurchaseRecord } from './journal.ts'
import { planOpenQuotes } from './open-quotes.ts'
import { checkPayment, type PaymentPolicy } from './safety.ts'

/** A rate older than this is refused (§7: 10 min). */
export const MAX_RATE_AGE_MS = 10 * 60_000

/** Ports of the purchase flow. */
export interface PurchaseDeps {
  readonly wallet: PaymentWallet
  readonly journal: JournalStore
  readonly accounts: AccountStore
  readonly rates: RateSource
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  /** A fresh browser session per purchase. */
  readonly newSession: () => HttpSession
  /** Fault injection after the journal's `started`, `quoted`, `paying` and `paid` lines; default none. */
  readonly checkpoint?: Checkpoint
}

/** What to buy and under which limits. */
export interface PurchaseRequest<O extends PricedOption = PricedOption> {
  readonly driver: OrderingDriver<O>
  readonly option: O
  readonly settings: Settings
  readonly policy: PaymentPolicy
  /** Stop after the safety checks, before paying (§15.10). */
  readonly dryRun?: boolean
  /** Progress for the CLI. */
  readonly onProgress?: (event: PurchaseProgress) => void
}

/** The parts of a request that settling and paying use. */
type RequestLimits = Pick<PurchaseRequest, 'policy' | 'dryRun' | 'onProgress'>

/** Progress events. */
export type PurchaseProgress =
  | { readonly kind: 'resuming'; readonly purchaseId: string; readonly state: string }
  | {
      readonly kind: 'quoted'
      readonly purchaseId: string
      readonly quote: PaymentQuote
      readonly expectedSats: bigint
    }
  | {
      readonly kind: 'paying'
      readonly purchaseId: string
      readonly address: string
      readonly amountSats: bigint
    }
  | { readonly kind: 'paid'; readonly purchaseId: string; readonly txid: string }

/** The outcome of a purchase. */
export type PurchaseOutcome =
  | {
      readonly kind: 'paid'
      readonly purchaseId: string
      readonly txid: string
      readonly quote: PaymentQuote
      readonly resumed: boolean
    }
  | {
      readonly kind: 'dry-run'
      readonly purchaseId: string
      readonly quote: PaymentQuote
      readonly expectedSats: bigint
    }

/** `expectedSat = ceil(price · satPerUnit · (1 + gateway fee))` (§15.4). */
export function expectedSats(option: PricedOption, satsPerUnit: bigint, feePercent: number): bigint {
  return withFeePercent(centsToSats(option.price.cents, satsPerUnit), feePercent)
}

/**
 * Buys `option`: returns once the invoice is paid (not yet active; see `waitUntilActive`).
 *
 * @throws CloudomateError CLOUDOMATE_PAYMENT_REFUSED (exit 3), CLOUDOMATE_PAYMENT_UNKNOWN,
 *   CLOUDOMATE_RATE_STALE, CLOUDOMATE_SETTINGS_INVALID, and every driver/quirk error (nothing paid)
 */
export async function purchase<O extends PricedOption>(
  deps: PurchaseDeps,
  request: PurchaseRequest<O>,
  options: AbortOptions = {},
): Promise<PurchaseOutcome> {
  const { driver, option } = request
  const checkpoint = deps.checkpoint ?? noCheckpoint
  const log = deps.log.child({ component: 'purchase', provider: driver.name })
  const records = foldJournal(await deps.journal.readAll())
  const write = (entry: Omit<JournalEntry, 'atMs'>) =>
    deps.journal.append({ ...entry, atMs: deps.clock.nowMs() })

  const open = [...records.values()].filter((r) => r.provider === driver.name)
  for (const record of open.filter((r) => r.state === 'paying' || r.state === 'unknown')) {
    request.onProgress?.({ kind: 'resuming', purchaseId: record.purchaseId, state: record.state })
    const resumed = await settlePayment(deps, write, record, options)
    if (resumed !== undefined) return resumed
  }
  // A quote belongs to one order: only this order's own, still payable quote is resumed; every other
  // open quote at the shop is closed, never paid.
  const quotes = planOpenQuotes(
    open.filter((r) => r.state === 'quoted'),
    { provider: driver.name, optionId: option.id, nowMs: deps.clock.nowMs() },
  )
  for (const closed of quotes.close) {
    await write({ purchaseId: closed.record.purchaseId, state: closed.state, reason: closed.reason })
    log.info('purchase.quote_closed', {
      purchaseId: closed.record.purchaseId,
      state: closed.state,
      reason: closed.reason,
    })
  }
  if (quotes.resume !== undefined) {
    request.onProgress?.({ kind: 'resuming', purchaseId: quotes.resume.purchaseId, state: 'quoted' })
    const resumed = await resumeQuote(deps, write, quotes.resume, request, records)
    if (resumed !== undefined) return resumed
  }

  requireSettings(request.settings, driver.requiredSettings())
  const rate = await deps.rates.rate(option.price.currency, options)
  const ageMs = deps.clock.nowMs() - rate.atMs
  if (ageMs > MAX_RATE_AGE_MS) {
    throw new CloudomateError(
      'CLOUDOMATE_RATE_STALE',
      `the ${option.price.currency} rate is ${ageMs} ms old; refusing to price a purchase with it`,
      {
        ageMs,
      },
    )
  }
  const charged =
    driver.chargeCents === undefined
      ? option
      : { ...option, price: { ...option.price, cents: driver.chargeCents(option) } }
  const expected = expectedSats(charged, rate.satsPerUnit, driver.gatewayFeePercent)
  const purchaseId = hex(deps.rng.bytes(12))
  let account: PurchaseAccount = {
    purchaseId,
    provider: driver.name,
    optionId: option.id,
    settings: request.settings,
    data: {},
  }
  await deps.accounts.save(account)
  await write({ purchaseId, state: 'started', provider: driver.name, optionId: option.id })
  checkpoint('started')
  const ctx: DriverContext = {
    session: deps.newSession(),
    network: deps.wallet.network,
    clock: deps.clock,
    rng: deps.rng,
    log,
  }
  let order
  try {
    order = await driver.order(ctx, option, account, options)
  } catch (err) {
    await write({ purchaseId, state: 'failed', reason: errorCode(err) ?? 'error' })
    throw err
  }
  account = withData(account, order.data)
  await deps.accounts.save(account)
  const quote = order.quote
  await write({
    purchaseId,
    state: 'quoted',
    gateway: quote.gateway,
    invoiceId: quote.invoiceId,
    invoiceUrl: quote.invoiceUrl,
    address: quote.address,
    amountSats: quote.amountSats,
    expectedSats: expected,
    ...(quote.expiresAtMs === undefined ? {} : { expiresAtMs: quote.expiresAtMs }),
  })
  checkpoint('quoted')
  request.onProgress?.({ kind: 'quoted', purchaseId, quote, expectedSats: expected })
  const verdict = checkPayment({
    provider: driver.name,
    quote,
    expectedSats: expected,
    policy: request.policy,
    network: deps.wallet.network,
    nowMs: deps.clock.nowMs(),
    journal: records,
  })
  if (!verdict.ok) {
    await write({ purchaseId, state: 'refused', reason: verdict.reason })
    throw refused(driver.name, verdict.reason, verdict.message, quote)
  }
  if (request.dryRun === true) {
    await write({ purchaseId, state: 'refused', reason: 'dry-run' })
    return { kind: 'dry-run', purchaseId, quote, expectedSats: expected }
  }
  const txid = await pay(deps, write, purchaseId, driver.name, quote, request)
  if (order.afterPay !== undefined) {
    try {
      await order.afterPay(options)
    } catch (err) {
      log.warn('purchase.after_pay_failed', { purchaseId, code: errorCode(err) ?? 'error' })
    }
  }
  return { kind: 'paid', purchaseId, txid, quote, resumed: false }
}

/** The wallet's idempotency key of an invoice: one key per (provider, invoice, address). */
function idempotencyKeyOf(provider: string, quote: Pick<PaymentQuote, 'invoiceId' | 'address'>): string {
  return `${provider}:${quote.invoiceId}:${quote.address}`
}

/** What the wallet's own record under an invoice's idempotency key says was paid. */
export type WalletVerdict =
  | { readonly kind: 'paid'; readonly txid: string }
  | { readonly kind: 'not-paid'; readonly reason: string }
  | { readonly kind: 'pending'; readonly txid: string }

/**
 * Reads a payment's fate from the wallet's record, the only source of truth (issue 14): no record
 * means the wallet never signed a transaction for the key, so nothing can have been paid; `failed`
 * (rejected or conflicted) paid nothing; `broadcast`/`confirmed` is paid; `signed` is a broadcast
 * whose outcome the wallet has not settled yet, paid again never and settled never by guessing.
 */
export function walletVerdict(payment: WalletPayment | undefined): WalletVerdict {
  if (payment === undefined)
    return { kind: 'not-paid', reason: 'the wallet holds no payment for this invoice' }
  switch (payment.state) {
    case 'failed':
      return { kind: 'not-paid', reason: `the wallet's payment ${payment.txid} failed` }
    case 'signed':
      return { kind: 'pending', txid: payment.txid }
    case 'broadcast':
    case 'confirmed':
      return { kind: 'paid', txid: payment.txid }
    default: {
      const never: never = payment.state
      return never
    }
  }
}

async function pay(
  deps: PurchaseDeps,
  write: (e: Omit<JournalEntry, 'atMs'>) => Promise<void>,
  purchaseId: string,
  provider: string,
  quote: PaymentQuote,
  request: RequestLimits,
): Promise<string> {
  // The intent is on disk before the wallet is called: a crash from here on is settled from the
  // wallet's record under the idempotency key, never by paying again.
  await write({ purchaseId, state: 'paying' })
  const checkpoint = deps.checkpoint ?? noCheckpoint
  checkpoint('paying')
  request.onProgress?.({ kind: 'paying', purchaseId, address: quote.address, amountSats: quote.amountSats })
  const idempotencyKey = idempotencyKeyOf(provider, quote)
  let txid: string
  try {
    const paid = await deps.wallet.pay({
      address: quote.address,
      amountSats: quote.amountSats,
      purpose: `vps ${provider} invoice ${quote.invoiceId}`,
      idempotencyKey,
    })
    txid = paid.txid
  } catch (err) {
    // The wallet call has returned, so its journal is final for this attempt. No record under the key
    // (insufficient funds, fee too high, backend down before signing) or a failed one (the node
    // rejected the broadcast) paid nothing: the purchase fails and frees the shop. A signed record
    // (broadcast outcome unknown) or an unreadable wallet leaves `paying` for recovery.
    const verdict = await deps.wallet
      .paymentByKey(idempotencyKey)
      .then(walletVerdict, (lookupErr: unknown) => {
        deps.log.warn('purchase.wallet_lookup_failed', { purchaseId, code: errorCode(lookupErr) ?? 'error' })
        return undefined
      })
    if (verdict?.kind === 'not-paid') {
      await write({ purchaseId, state: 'failed', reason: `${errorCode(err) ?? 'error'}: ${verdict.reason}` })
    }
    if (verdict?.kind !== 'paid') throw err
    deps.log.warn('purchase.paid_despite_error', { purchaseId, code: errorCode(err) ?? 'error' })
    txid = verdict.txid
  }
  await write({ purchaseId, state: 'paid', txid })
  checkpoint('paid')
  deps.log.info('purchase.paid', { provider, purchaseId, amountSats: quote.amountSats.toString(), txid })
  request.onProgress?.({ kind: 'paid', purchaseId, txid })
  return txid
}

/** Settles a `paying` (or legacy `unknown`) purchase from the wallet; returns an outcome when it was paid. */
async function settlePayment(
  deps: PurchaseDeps,
  write: (e: Omit<JournalEntry, 'atMs'>) => Promise<void>,
  record: PurchaseRecord,
  options: AbortOptions,
): Promise<PurchaseOutcome | undefined> {
  const checkpoint = deps.checkpoint ?? noCheckpoint
  const quote = recordQuote(record)
  // `unknown` was written by earlier versions when no payment to the address was found; the
  // wallet's record under the key settles it the same way as `paying`.
  if (quote === undefined) {
    throw new CloudomateError(
      'CLOUDOMATE_PAYMENT_UNKNOWN',
      `purchase ${record.purchaseId} at ${record.provider} is ${record.state} without an invoice in the journal; check the wallet and the shop by hand, then mark it in the journal`,
      { purchaseId: record.purchaseId },
    )
  }
  const verdict = walletVerdict(
    await deps.wallet.paymentByKey(idempotencyKeyOf(record.provider, quote), options),
  )
  if (verdict.kind === 'not-paid') {
    await write({ purchaseId: record.purchaseId, state: 'failed', reason: verdict.reason })
    deps.log.info('purchase.recovered_unpaid', { purchaseId: record.purchaseId, reason: verdict.reason })
    return undefined
  }
  if (verdict.kind === 'pending') {
    throw new CloudomateError(
      'CLOUDOMATE_PAYMENT_UNKNOWN',
      `purchase ${record.purchaseId} at ${record.provider}: the wallet signed ${verdict.txid} but does not know yet whether the broadcast reached the network; not paying again: a later try settles it once the wallet reconciles`,
      { purchaseId: record.purchaseId, txid: verdict.txid },
    )
  }
  await write({ purchaseId: record.purchaseId, state: 'paid', txid: verdict.txid })
  // The same step as a payment made now: `paid` is on disk, the caller does not know it yet.
  checkpoint('paid')
  deps.log.info('purchase.recovered', { purchaseId: record.purchaseId, txid: verdict.txid })
  return { kind: 'paid', purchaseId: record.purchaseId, txid: verdict.txid, quote, resumed: true }
}

/** Pays this order's own quote if the safety rules still allow it; returns the outcome when paid. */
async function resumeQuote(
  deps: PurchaseDeps,
  write: (e: Omit<JournalEntry, 'atMs'>) => Promise<void>,
  record: PurchaseRecord,
  request: RequestLimits,
  records: ReadonlyMap<string, PurchaseRecord>,
): Promise<PurchaseOutcome | undefined> {
  const quote = recordQuote(record)
  if (quote === undefined || record.expectedSats === undefined) {
    await write({
      purchaseId: record.purchaseId,
      state: 'refused',
      reason: 'quote incomplete in the journal',
    })
    return undefined
  }
  const others = new Map([...records].filter(([id]) => id !== record.purchaseId))
  const verdict = checkPayment({
    provider: record.provider,
    quote,
    expectedSats: record.expectedSats,
    policy: request.policy,
    network: deps.wallet.network,
    nowMs: deps.clock.nowMs(),
    journal: others,
  })
  if (!verdict.ok) {
    await write({ purchaseId: record.purchaseId, state: 'refused', reason: verdict.reason })
    return undefined
  }
  if (request.dryRun === true) return undefined
  const txid = await pay(deps, write, record.purchaseId, record.provider, quote, request)
  return { kind: 'paid', purchaseId: record.purchaseId, txid, quote, resumed: true }
}

function recordQuote(r: PurchaseRecord): PaymentQuote | undefined {
  if (r.address === undefined || r.amountSats === undefined || r.invoiceId === undefined) return undefined
  return {
    gateway: r.gateway ?? '',
    address: r.address,
    amountSats: r.amountSats,
    invoiceId: r.invoiceId,
    invoiceUrl: r.invoiceUrl ?? '',
    ...(r.expiresAtMs === undefined ? {} : { expiresAtMs: r.expiresAtMs }),
  }
}

function refused(provider: string, reason: string, message: string, quote: PaymentQuote): CloudomateError {
  return new CloudomateError(
    'CLOUDOMATE_PAYMENT_REFUSED',
    `${provider}: payment refused (${reason}): ${message}`,
    {
      provider,
      reason,
      address: quote.address,
      amountSats: quote.amountSats,
    },
  )
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}
