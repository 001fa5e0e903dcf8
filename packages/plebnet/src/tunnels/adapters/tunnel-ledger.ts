import { BaseError, type Logger } from '@dolly/base'
import type { CountersignPolicy, LedgerComponent } from '@dolly/ledger'
import {
  createLibp2pMemoChannel,
  keyOfPeerId,
  peerIdOfKey,
  type Libp2pHost,
  type Libp2pMemoChannel,
} from '@dolly/overlay'
import type { PaymentPort, PayoutRule } from '@dolly/tunnels'
import { createLedgerPayments, type LedgerPayments } from '../ledger-payments.ts'

/**
 * Tunnel payments over the agent's own ledger (issue 16): the memo channel on the overlay's libp2p
 * node (`/dolly/tunnel-pay/1.0.0`), `createLedgerPayments` over it and the ledger component's signing
 * protocol, and the ledger balances admission ranks requesters by. The ledger component takes
 * `policy` (so tunnel payments the engine announced are countersigned, everything else goes to the
 * expectations); the tunnel component takes the whole object as its `payments` option and starts it.
 */
export interface TunnelLedger {
  /** Payout rule of this node (its own circuits' price and its forwarding as a relay). */
  readonly rule: PayoutRule
  /** Whether own circuits pay their first hop (false: the `--no-pay` free rider of the tests). */
  readonly pay: boolean
  /** For `createLedgerComponent({ policy })`: called when the ledger starts (the network runs). */
  policy(inner: CountersignPolicy): CountersignPolicy
  /**
   * Serves memos; the port to give the payment engine. Call after the ledger started.
   *
   * @throws BaseError BASE_INVALID_OPTION when the ledger did not start with `policy`.
   */
  start(): Promise<PaymentPort>
  stop(): Promise<void>
  /** Bandwidth balance, bytes, of a tunnel peer id as our ledger knows it (undefined: no key, no ledger). */
  balanceOf(peerId: string): bigint | undefined
  /** Our own bandwidth balance, bytes (undefined until the ledger runs). */
  ownBalance(): bigint | undefined
}

/** Builds the wiring over a network component (`host()`) and a ledger component. */
export function createTunnelLedger(
  deps: {
    readonly log: Logger
    readonly host: () => Libp2pHost | undefined
    readonly ledger: Pick<LedgerComponent, 'protocol' | 'ledger'>
  },
  options: { readonly rule: PayoutRule; readonly pay: boolean },
): TunnelLedger {
  let built: { channel: Libp2pMemoChannel; payments: LedgerPayments } | undefined
  return {
    rule: options.rule,
    pay: options.pay,
    policy(inner) {
      const host = deps.host()
      if (host === undefined)
        throw new BaseError('BASE_INVALID_OPTION', 'tunnel payments need the network running first', {})
      const channel = createLibp2pMemoChannel({ host, log: deps.log })
      const payments = createLedgerPayments({
        memos: channel,
        transact: async (key, up, down) => {
          const protocol = deps.ledger.protocol()
          if (protocol === undefined) return { ok: false }
          return protocol.transact(key, up, down)
        },
        keyOf: (peerId) => keyOfPeerId(peerId),
        peerIdOf: (key) => peerIdOfKey(key).toString(),
        inner,
      })
      built = { channel, payments }
      return payments.policy
    },
    async start() {
      if (built === undefined)
        throw new BaseError(
          'BASE_INVALID_OPTION',
          'tunnel payments start after the ledger component built with their policy',
          {},
        )
      await built.channel.start()
      return built.payments.port
    },
    async stop() {
      await built?.channel.stop()
    },
    balanceOf(peerId) {
      const key = keyOfPeerId(peerId)
      const ledger = deps.ledger.ledger()
      return key === undefined || ledger === undefined ? undefined : ledger.balance(key).bytes
    },
    ownBalance: () => deps.ledger.ledger()?.balance().bytes,
  }
}
