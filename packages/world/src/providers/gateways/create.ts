/** Builds the gateway a shop is configured with. */
import type { Clock, Rng } from '@dolly/base'
import type { PaymentBook } from '../payment-book.ts'
import type { GatewayKind } from '../types.ts'
import { createBitpayGateway } from './bitpay.ts'
import { createBlockchainGateway } from './blockchain.ts'
import { createCoinbaseGateway } from './coinbase.ts'
import { createCoinpaymentsGateway } from './coinpayments.ts'
import type { Gateway } from './gateway.ts'

/** Creates the gateway of `kind` over a payment book. */
export function createGateway(
  kind: GatewayKind,
  deps: { book: PaymentBook; clock: Clock; rng: Rng },
  options: { baseUrl: () => string; satsPerUsd: bigint; network: string; merchantId: string },
): Gateway {
  switch (kind) {
    case 'bitpay':
      return createBitpayGateway(deps, options)
    case 'coinpayments':
      return createCoinpaymentsGateway(deps, options)
    case 'coinbase':
      return createCoinbaseGateway(deps, options)
    case 'blockchain':
      return createBlockchainGateway(deps, options)
    default: {
      const never: never = kind
      return never
    }
  }
}
