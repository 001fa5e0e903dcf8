/**
 * An in-memory stand-in for the MB ledger and the Bitcoin chain that several traders share (tests,
 * bench, simulator). It keeps balances, honours the ports' idempotency keys and records every effect,
 * including any call that reuses a key (which a correct engine never makes: it asks first).
 */
import { MarketError } from '../../errors.ts'
import type { BitcoinPayer, IncomingPayment, TokenLedger } from '../ports.ts'

/** One movement of value. */
export interface SettlementEffect {
  readonly asset: 'mb' | 'btc'
  readonly from: string
  readonly to: string
  readonly amount: bigint
  /** Idempotency key of the call that made it. */
  readonly key: string
  /** Transfer id or txid. */
  readonly ref: string
}

/** The shared ledger and chain. */
export interface MemorySettlement {
  /** The ledger port of trader `me`. */
  ledgerFor(me: string): TokenLedger
  /** The wallet port of trader `me`. */
  payerFor(me: string): BitcoinPayer
  /** Credits a trader (setup). */
  fund(trader: string, asset: 'mb' | 'btc', amount: bigint): void
  /** A trader's balance. */
  balance(trader: string, asset: 'mb' | 'btc'): bigint
  /** Adds one confirmation to every transaction. */
  mine(): void
  /** Every effect, in order. */
  readonly effects: readonly SettlementEffect[]
  /** Calls of transfer/pay with a key already used (the port answered with the first result). */
  readonly reusedKeys: readonly string[]
}

/** A fresh, empty settlement. */
export function createMemorySettlement(): MemorySettlement {
  const balances = new Map<string, bigint>()
  const effects: SettlementEffect[] = []
  const reusedKeys: string[] = []
  const byKey = new Map<string, SettlementEffect>()
  const txs = new Map<string, { address: string; sats: bigint; confirmations: number }>()
  const addresses = new Map<string, string>()
  const addressOwner = new Map<string, string>()
  const bal = (trader: string, asset: 'mb' | 'btc'): bigint => balances.get(`${asset}:${trader}`) ?? 0n
  const move = (
    asset: 'mb' | 'btc',
    from: string,
    to: string,
    amount: bigint,
    key: string,
  ): SettlementEffect => {
    const scoped = `${from}:${key}`
    const done = byKey.get(scoped)
    if (done !== undefined) {
      reusedKeys.push(scoped)
      return done
    }
    if (bal(from, asset) < amount) {
      throw new MarketError(
        'MARKET_TRADE_PAYMENT_UNVERIFIED',
        `${from} has ${bal(from, asset)} ${asset}, needs ${amount}`,
        {
          from,
          asset,
        },
      )
    }
    balances.set(`${asset}:${from}`, bal(from, asset) - amount)
    balances.set(`${asset}:${to}`, bal(to, asset) + amount)
    const ref = `${asset}-${effects.length + 1}`
    const effect = { asset, from, to, amount, key, ref }
    effects.push(effect)
    byKey.set(scoped, effect)
    return effect
  }
  return {
    effects,
    reusedKeys,
    fund(trader, asset, amount) {
      balances.set(`${asset}:${trader}`, bal(trader, asset) + amount)
    },
    balance: bal,
    mine() {
      for (const tx of txs.values()) tx.confirmations += 1
    },
    ledgerFor(me) {
      return {
        transfer: (to, bytes, key) => Promise.resolve(move('mb', me, to, bytes, key).ref),
        findTransfer: (key) => Promise.resolve(byKey.get(`${me}:${key}`)?.ref),
        received: (from, ref) =>
          Promise.resolve(
            effects.find((e) => e.asset === 'mb' && e.ref === ref && e.from === from && e.to === me)?.amount,
          ),
      }
    },
    payerFor(me) {
      return {
        receiveAddress(tradeId) {
          const k = `${me}:${tradeId}`
          let address = addresses.get(k)
          if (address === undefined) {
            address = `memaddr${(addresses.size + 1).toString().padStart(10, '0')}`
            addresses.set(k, address)
            addressOwner.set(address, me)
          }
          return Promise.resolve(address)
        },
        pay(address, sats, key) {
          const owner = addressOwner.get(address)
          if (owner === undefined) {
            return Promise.reject(
              new MarketError('MARKET_TRADE_PAYMENT_UNVERIFIED', `unknown address ${address}`, { address }),
            )
          }
          const e = move('btc', me, owner, sats, key)
          if (!txs.has(e.ref)) txs.set(e.ref, { address, sats, confirmations: 0 })
          return Promise.resolve(e.ref)
        },
        findPayment: (key) => Promise.resolve(byKey.get(`${me}:${key}`)?.ref),
        incoming(address, txid): Promise<IncomingPayment | undefined> {
          const tx = txs.get(txid)
          if (tx === undefined || tx.address !== address) return Promise.resolve(undefined)
          return Promise.resolve({ sats: tx.sats, confirmations: tx.confirmations })
        },
      }
    },
  }
}
