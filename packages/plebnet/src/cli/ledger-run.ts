import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { emit, type CliIo } from '@dolly/base'
import {
  loadOrCreateIdentity,
  type Identity,
  bytesToHex,
  hexToBytes,
  createSignatureVerifier,
} from '@dolly/base'
import {
  openSqliteLedgerStore,
  STATE_DB_FILE,
  bandwidthRules,
  decodeBandwidthTx,
  BANDWIDTH_TYPE,
  EMPTY_PK,
  PUBLIC_KEY_BYTES,
  LedgerError,
  refuseAllPolicy,
  type HalfBlock,
  createLedger,
  type Ledger,
  type LedgerStore,
  type LedgerTransport,
  createLedgerProtocol,
  verifyStoredChain,
  type ChainReport,
} from '@dolly/ledger'
import type { Clock, Rng } from '@dolly/base'

/** What the ledger commands need from outside. */
export interface LedgerCliDeps {
  /** Block timestamps; default the system clock. */
  readonly clock: Clock
  /** Key generation on first use; default the OS CSPRNG. */
  readonly rng: Rng
  /**
   * How to reach peers; `crawl` is offered only when one is wired (the network issue adds libp2p).
   * May resolve later, so the CLI loads libp2p only when `crawl` runs.
   */
  readonly transportFor?: (identity: Identity) => LedgerTransport | Promise<LedgerTransport>
}

/**
 * The work of the `plebnet ledger` commands; cli/ledger.ts registers them and loads this module when
 * one runs.
 */

async function withLedger<T>(
  deps: LedgerCliDeps,
  cmd: Command,
  fn: (ctx: { ledger: Ledger; store: LedgerStore; identity: Identity }) => Promise<T> | T,
): Promise<T> {
  const { home } = cmd.optsWithGlobals<{ home: string }>()
  await mkdir(home, { recursive: true, mode: 0o700 })
  const identity = await loadOrCreateIdentity(home, deps.rng)
  const store = openSqliteLedgerStore(join(home, STATE_DB_FILE))
  try {
    return await fn({
      // The CLI only reads and crawls; it never serves proposals, so it expects none (refuse all).
      ledger: createLedger({ store, signer: identity, clock: deps.clock }, { policy: refuseAllPolicy }),
      store,
      identity,
    })
  } finally {
    store.close()
  }
}

/** `plebnet ledger balance [--pk KEY]`. */
export async function ledgerBalance(
  io: CliIo,
  deps: LedgerCliDeps,
  cmd: Command,
  opts: { pk?: string; json?: boolean },
): Promise<void> {
  await withLedger(deps, cmd, ({ ledger, identity }) => {
    const pk = opts.pk === undefined ? identity.publicKey : parseKey(opts.pk)
    const balance = ledger.balance(pk)
    const latest = ledger.latest(pk)
    emit(
      io,
      opts.json,
      {
        publicKey: bytesToHex(pk),
        balanceMb: balance.mb,
        balanceBytes: balance.bytes,
        latestSeq: latest?.sequenceNumber ?? 0,
      },
      () =>
        [
          `public key: ${bytesToHex(pk)}`,
          `balance:    ${group(balance.mb)} MB (${group(balance.bytes)} bytes)`,
          `blocks:     ${latest?.sequenceNumber ?? 0}`,
        ].join('\n'),
    )
  })
}

/** `plebnet ledger blocks [--pk KEY] [--limit N]`. */
export async function ledgerBlocks(
  io: CliIo,
  deps: LedgerCliDeps,
  cmd: Command,
  opts: { pk?: string; limit: number; json?: boolean },
): Promise<void> {
  await withLedger(deps, cmd, ({ store, identity }) => {
    const pk = opts.pk === undefined ? identity.publicKey : parseKey(opts.pk)
    const limit = opts.limit
    const latestSeq = store.latest(pk)?.sequenceNumber ?? 0
    const blocks = store.range(pk, Math.max(1, latestSeq - limit + 1), latestSeq, limit).map(blockView)
    emit(io, opts.json, { publicKey: bytesToHex(pk), blocks }, () =>
      blocks.length === 0 ? 'no blocks' : blocks.map(blockLine).join('\n'),
    )
  })
}

/** `plebnet ledger verify`. */
export async function ledgerVerify(
  io: CliIo,
  deps: LedgerCliDeps,
  cmd: Command,
  opts: { json?: boolean },
): Promise<void> {
  await withLedger(deps, cmd, ({ store, ledger }) => {
    const verifier = createSignatureVerifier()
    const reports = store
      .publicKeys()
      .map((pk) => verifyStoredChain(store, pk, verifier, { [BANDWIDTH_TYPE]: bandwidthRules }))
    const fraud = ledger.fraudProofs()
    const view = {
      chains: reports.map(reportView),
      blocks: reports.reduce((n, r) => n + r.blocks, 0),
      problems: reports.reduce((n, r) => n + r.problems.length, 0),
      fraudProofs: fraud.map((f) => ({
        kind: f.kind,
        publicKey: bytesToHex(f.publicKey),
        sequenceNumbers: f.blocks.map((b) => b.sequenceNumber),
        detectedMs: f.detectedMs,
      })),
    }
    emit(io, opts.json, view, () =>
      [
        ...reports.map(
          (r) =>
            `${bytesToHex(r.publicKey).slice(0, 16)}…  ${r.blocks} blocks  ${r.problems.length === 0 ? 'ok' : `${r.problems.length} problems`}`,
        ),
        ...reports.flatMap((r) =>
          r.problems.map(
            (p) => `  ${bytesToHex(r.publicKey).slice(0, 16)}… #${p.sequenceNumber} ${p.code}: ${p.reason}`,
          ),
        ),
        `${view.blocks} blocks in ${reports.length} chains, ${view.problems} problems, ${fraud.length} fraud proofs kept`,
      ].join('\n'),
    )
    if (view.problems > 0) {
      throw new LedgerError(
        'LEDGER_STORE_CORRUPT',
        `${view.problems} stored blocks fail verification; restore state.sqlite from a backup or re-crawl those chains`,
        {
          problems: view.problems,
        },
      )
    }
  })
}

/** `plebnet ledger crawl <peer> [--pk KEY]` over `transport`. */
export async function ledgerCrawl(
  io: CliIo,
  deps: LedgerCliDeps,
  transportFor: (identity: Identity) => LedgerTransport | Promise<LedgerTransport>,
  cmd: Command,
  peerHex: string,
  opts: { pk?: string; json?: boolean },
): Promise<void> {
  await withLedger(deps, cmd, async ({ ledger, store, identity }) => {
    const peer = parseKey(peerHex)
    const pk = opts.pk === undefined ? peer : parseKey(opts.pk)
    const protocol = createLedgerProtocol({
      ledger,
      store,
      transport: await transportFor(identity),
      clock: deps.clock,
    })
    const result = await protocol.crawlChain(peer, pk)
    if (!result.ok)
      throw new LedgerError(
        result.code === 'LEDGER_TIMEOUT' ? 'LEDGER_TIMEOUT' : 'LEDGER_PEER_UNREACHABLE',
        `crawl of ${peerHex} failed: ${result.code} ${result.reason}`,
      )
    const view = {
      peer: peerHex,
      publicKey: bytesToHex(pk),
      received: result.blocks.length,
      rejected: result.rejected,
      latestSeq: store.latest(pk)?.sequenceNumber ?? 0,
    }
    emit(io, opts.json, view, () =>
      [
        `received ${view.received} blocks of ${view.publicKey.slice(0, 16)}…, now up to #${view.latestSeq}`,
        ...view.rejected.map((r) => `  rejected ${r.code}: ${r.reason}`),
      ].join('\n'),
    )
  })
}

function parseKey(hex: string): Uint8Array {
  const key = hexToBytes(hex)
  if (key === undefined || key.byteLength !== PUBLIC_KEY_BYTES) {
    throw new LedgerError(
      'LEDGER_OPTION_INVALID',
      `a public key is ${PUBLIC_KEY_BYTES * 2} hex characters, got ${JSON.stringify(hex)}`,
    )
  }
  return key
}

function blockView(b: HalfBlock) {
  const tx = b.type === BANDWIDTH_TYPE ? decodeBandwidthTx(b.transaction) : undefined
  return {
    sequenceNumber: b.sequenceNumber,
    kind: b.linkSequenceNumber === 0 ? 'proposal' : 'agreement',
    linkPublicKey: bytesToHex(b.linkPublicKey),
    linkSequenceNumber: b.linkSequenceNumber,
    type: b.type,
    timestampMs: b.timestampMs,
    upBytes: tx?.up,
    downBytes: tx?.down,
    totalUpBytes: tx?.totalUp,
    totalDownBytes: tx?.totalDown,
    hash: bytesToHex(b.hash),
  }
}

function blockLine(b: ReturnType<typeof blockView>): string {
  const link =
    b.linkPublicKey === bytesToHex(EMPTY_PK)
      ? 'anyone'
      : `${b.linkPublicKey.slice(0, 16)}…${b.kind === 'agreement' ? `#${b.linkSequenceNumber}` : ''}`
  const amounts =
    b.upBytes === undefined
      ? b.type
      : `up ${group(b.upBytes ?? 0n)} B, down ${group(b.downBytes ?? 0n)} B, balance ${group((b.totalUpBytes ?? 0n) - (b.totalDownBytes ?? 0n))} B`
  return `#${b.sequenceNumber} ${b.kind} ${b.kind === 'proposal' ? 'to' : 'of'} ${link}: ${amounts}`
}

function reportView(r: ChainReport) {
  return {
    publicKey: bytesToHex(r.publicKey),
    blocks: r.blocks,
    latestSeq: r.latestSeq,
    problems: r.problems,
  }
}

function group(n: bigint): string {
  const digits = (n < 0n ? -n : n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return n < 0n ? `-${digits}` : digits
}
