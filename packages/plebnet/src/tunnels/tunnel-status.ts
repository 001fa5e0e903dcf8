import { decode as d, type Infer } from '@dolly/base'

const count = d.number({ int: true, min: 0 })
const bytes = d.string({ pattern: /^[0-9]{1,30}$/ })

/**
 * The `tunnels` block of the full status document (issue 16): the agent's roles, circuits it relays
 * or exits now and since start, and the bytes it carried (decimal strings: bigint counters).
 */
export const TunnelsStatusSchema = d.strictObject({
  relay: d.boolean(),
  exit: d.boolean(),
  /** Hops the overlay currently advertises (this agent's tunnel directory). */
  hopsKnown: count,
  circuits: d.strictObject({
    relayedNow: count,
    exitedNow: count,
    relayedTotal: count,
    exitedTotal: count,
  }),
  /** Cell bytes carried towards exits (received from previous hops), live and closed circuits. */
  bytesUp: bytes,
  /** Cell bytes carried back towards initiators. */
  bytesDown: bytes,
  /** Payload bytes this exit sent out to destinations, and received back from them. */
  exitBytesOut: bytes,
  exitBytesIn: bytes,
  /** Link frames the transport dropped (queue full, unreachable, oversized) or admission refused. */
  framesDropped: count,
  /**
   * Tunnel payments in MB token bytes (ledger bytes; MB = bytes / 2^20), when the node runs them:
   * paid for its own circuits, received from previous hops, earned (received minus forwarded to next
   * hops), its ledger bandwidth balance (signed: up − down), and circuits cut for not paying.
   */
  payments: d.optional(
    d.strictObject({
      rule: d.oneOf(['2017', '2021', 'fair']),
      paid: bytes,
      received: bytes,
      earned: bytes,
      balance: d.string({ pattern: /^-?[0-9]{1,30}$/ }),
      cutUnpaid: count,
      refused: count,
      /**
       * What is not settled yet (all 0: every closed circuit's payments went through and the balance
       * is final): backward bytes of own circuits not paid for (a live circuit's remainder below the
       * payment interval counts until it closes), tokens received and not yet forwarded to next hops,
       * payments awaiting an answer, and payments given up after their retries.
       */
      unsettled: d.optional(
        d.strictObject({ ownBytes: bytes, forwardTokens: bytes, inFlight: count, abandoned: count }),
      ),
    }),
  ),
})

/** The `tunnels` block of the status document. */
export type TunnelsStatus = Infer<typeof TunnelsStatusSchema>
