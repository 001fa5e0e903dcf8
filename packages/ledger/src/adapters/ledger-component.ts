import { join } from 'node:path'
import type { Clock, Logger } from '@dolly/base'
import type { Identity } from '@dolly/base'
import { LedgerError } from '../errors.ts'
import { createExpectations, type Expectations } from '../expectations.ts'
import { createLedger, type Ledger } from '../ledger.ts'
import type { CountersignPolicy, LedgerStore, LedgerTransport } from '../ports.ts'
import { createLedgerProtocol, type LedgerProtocol } from '../protocol/ledger-protocol.ts'
import { openSqliteLedgerStore, STATE_DB_FILE } from './sqlite-store.ts'

/** The daemon component that serves the ledger's signing protocol and crawls to peers. */
export interface LedgerComponent {
  readonly name: 'ledger'
  start(): Promise<void>
  stop(): Promise<void>
  /** The running protocol (for tunnels and the market to transact with), once started. */
  protocol(): LedgerProtocol | undefined
  /** The running ledger (balances, chain), once started. */
  ledger(): Ledger | undefined
  /** The running ledger's block store (lookups by key and seq, e.g. the market's transfers), once started. */
  store(): LedgerStore | undefined
  /**
   * What the agent expects peers to propose: the tunnels and the market record here what they
   * measured or traded, and only that is countersigned (issue 14). Lives as long as the component.
   */
  readonly expectations: Expectations
}

/**
 * Serves the ledger protocol over the network's transport from `<home>/state.sqlite`, so peers can
 * have blocks countersigned and crawl this agent's chain. Start it after the network component:
 * `transport()` is the network's ledger transport, which exists only once the network runs.
 *
 * @throws LedgerError LEDGER_PEER_UNREACHABLE from start() when the network has no transport.
 */
export function createLedgerComponent(
  deps: { clock: Clock; log: Logger; identity: Identity; transport: () => LedgerTransport | undefined },
  options: {
    home: string
    /**
     * Wraps the expectations into the policy the ledger countersigns by (e.g. tunnel payments first,
     * then `inner`); called once per start, after the network runs. Default: the expectations.
     */
    policy?: (inner: CountersignPolicy) => CountersignPolicy
  },
): LedgerComponent {
  let running: { protocol: LedgerProtocol; ledger: Ledger; store: LedgerStore; close: () => void } | undefined
  const expectations = createExpectations({ clock: deps.clock })
  return {
    name: 'ledger',
    expectations,
    async start() {
      if (running !== undefined) return
      const transport = deps.transport()
      if (transport === undefined) {
        throw new LedgerError(
          'LEDGER_PEER_UNREACHABLE',
          'the ledger needs the network running first (no transport)',
        )
      }
      const store = openSqliteLedgerStore(join(options.home, STATE_DB_FILE))
      // Countersign only what the agent expects; with nothing recorded yet every proposal is refused.
      const ledger = createLedger(
        { store, signer: deps.identity, clock: deps.clock },
        { policy: options.policy === undefined ? expectations : options.policy(expectations) },
      )
      const protocol = createLedgerProtocol({ ledger, store, transport, clock: deps.clock, logger: deps.log })
      protocol.start()
      running = { protocol, ledger, store, close: () => store.close() }
      deps.log.info('ledger.serving', { home: options.home })
    },
    async stop() {
      if (running === undefined) return
      running.protocol.stop()
      running.close()
      running = undefined
    },
    protocol: () => running?.protocol,
    ledger: () => running?.ledger,
    store: () => running?.store,
  }
}
