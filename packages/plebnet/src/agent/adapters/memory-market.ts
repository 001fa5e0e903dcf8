import type { Trade } from '../../strategies/types.ts'
import type { AskRequest, TokenMarket } from '../ports.ts'

/** An ask as the memory market holds it. */
export interface MemoryAsk extends AskRequest {
  readonly placedAtMs: number
  /** MB token bytes traded so far. */
  tradedBytes: bigint
  cancelled: boolean
}

/** A token market in memory (tests, the simulator): the agent's asks, a trade history, a best bid. */
export interface MemoryTokenMarket extends TokenMarket {
  /** Every ask placed, by number (cancelled ones included). */
  readonly asks: ReadonlyMap<number, MemoryAsk>
  /** How many times `placeAsk` was called (a second call for one number places nothing). */
  readonly placeCalls: () => number
  /** Records a trade at `priceSatPerMb`; when `ask` is given, `bytes` of it traded. */
  trade(t: Trade & { readonly ask?: number; readonly bytes?: bigint }): void
  setBestBid(priceSatPerMb: number | null): void
  setMatchmakers(present: boolean): void
  /** The agent's MB token bytes (its ledger balance); what open asks hold is subtracted. */
  setBalanceBytes(bytes: bigint): void
}

/** A memory market at `clock` time; `balanceBytes` is the agent's MB balance. */
export function createMemoryTokenMarket(
  clock: { nowMs(): number },
  init: { readonly balanceBytes?: bigint; readonly canCancel?: boolean; readonly minOrderSats?: bigint } = {},
): MemoryTokenMarket {
  const asks = new Map<number, MemoryAsk>()
  const trades: Trade[] = []
  let balance = init.balanceBytes ?? 0n
  let bestBid: number | null = null
  let matchmakers = true
  let calls = 0
  const open = (a: MemoryAsk): boolean =>
    !a.cancelled && a.tradedBytes < a.mbBytes && clock.nowMs() < a.placedAtMs + a.timeoutS * 1000
  return {
    asks,
    canCancel: init.canCancel ?? true,
    minOrderSats: init.minOrderSats ?? 0n,
    placeCalls: () => calls,
    hasMatchmakers: () => matchmakers,
    trades: () => trades,
    bestBidSatPerMb: () => bestBid,
    availableMbBytes() {
      let held = 0n
      for (const a of asks.values()) if (open(a)) held += a.mbBytes - a.tradedBytes
      return Promise.resolve(balance > held ? balance - held : 0n)
    },
    placeAsk(ask) {
      calls++
      if (!asks.has(ask.number))
        asks.set(ask.number, { ...ask, placedAtMs: clock.nowMs(), tradedBytes: 0n, cancelled: false })
      return Promise.resolve()
    },
    cancel(number) {
      const a = asks.get(number)
      if (a !== undefined) a.cancelled = true
      return Promise.resolve()
    },
    fillOf(number) {
      const a = asks.get(number)
      return a === undefined ? null : Number(a.tradedBytes) / Number(a.mbBytes)
    },
    trade(t) {
      trades.push({ priceSatPerMb: t.priceSatPerMb, timeMs: t.timeMs })
      const a = t.ask === undefined ? undefined : asks.get(t.ask)
      if (a !== undefined && t.bytes !== undefined) {
        a.tradedBytes += t.bytes
        balance -= t.bytes
      }
    },
    setBestBid: (p) => void (bestBid = p),
    setMatchmakers: (present) => void (matchmakers = present),
    setBalanceBytes: (bytes) => void (balance = bytes),
  }
}
