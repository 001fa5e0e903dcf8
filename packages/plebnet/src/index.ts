/**
 * @dolly/plebnet — the Dollynator agent: lifecycle, learning, strategies, ledger, network, market,
 * replication and status.
 */
// Decision core (issue 4): QD-learning, genome, sell strategies, Model 0, life expectancy.
export { DecisionError, type DecisionErrorCode } from './learning/errors.ts'
export { PLEBNET_EXIT_STATUS } from './exit-status.ts'
export { PLEBNET_CLI_EXIT_STATUS } from './cli/exit-status.ts'
export * as learningConstants from './learning/constants.ts'
export { offerId, type OfferInfo } from './learning/offer.ts'
export {
  alphaOf,
  betaOf,
  createQTable,
  qValue,
  trimValues,
  updateQTable,
  withOffers,
  type QTable,
  type QUpdate,
  type QUpdateOptions,
  type RemoteQ,
} from './learning/q-table.ts'
export {
  EMPTY_INBOX,
  receiveRemote,
  takeRemotes,
  type InboxLimits,
  type PeerStanding,
  type RemoteEntry,
  type RemoteInbox,
} from './learning/remote-tables.ts'
export { standingOf, type StandingContext } from './network/standing.ts'
export { computeReward, type RewardInput, type RewardResult } from './learning/reward.ts'
export {
  efficiencyReward,
  learnFromOutcome,
  type EfficiencyInput,
  type LearnInput,
  type LearnOptions,
  type LearnResult,
} from './learning/learn-step.ts'
export type { Earnings, LearnPorts, RemoteTables } from './learning/ports.ts'
export { inheritQTable } from './learning/inheritance.ts'
export { consensusTerm, mergeRemotes } from './learning/q-table.ts'
export {
  REMOTE_QTABLES_USED_FILE,
  fileRemoteTables,
  overlayRemoteTables,
  readRemoteEntries,
} from './network/adapters/remote-tables.ts'
export { balanceBytesAt, homeEarnings, ledgerEarnings } from './ledger/adapters/earnings.ts'
export {
  allowedOffers,
  chooseOffer,
  drawRank,
  generationOf,
  rankOffers,
  selectionLambda,
  type ChooseOfferInput,
  type OfferFilter,
} from './learning/choose-offer.ts'
export {
  isOfferId,
  QTABLE_FORMAT_VERSION,
  parseQTable,
  serializeQTable,
  type QTableWire,
} from './learning/q-table-codec.ts'
export {
  STRATEGY_NAMES,
  createRootGenome,
  evolveGenome,
  negativeEvolve,
  positiveEvolve,
  rouletteProvider,
  withProviders,
  type Genome,
  type PreferredServer,
  type RootGenomeInput,
  type SoftwareRef,
  type StrategyGene,
  type StrategyName,
} from './learning/genome.ts'
export { checkGeneFlipP, inheritGenome, type InheritOptions } from './learning/inheritance.ts'
export {
  GENOME_FORMAT_VERSION,
  parseGenome,
  serializeGenome,
  type GenomeWire,
} from './learning/genome-codec.ts'
export type {
  AccumulationState,
  Balances,
  LastPartOrder,
  MarketView,
  OrderAction,
  StrategyContext,
  StrategyDecision,
  StrategyState,
  Trade,
} from './strategies/types.ts'
export {
  DEFAULT_ORDER_TIMEOUT_MS,
  LAST_DAY_MS,
  btcNeeded,
  initialStrategyState,
  placeOrder,
  replicationPrice,
  updateOffer,
} from './strategies/common.ts'
export { constantSell } from './strategies/constant-sell.ts'
export { inLastDay, lastDaySell } from './strategies/last-day-sell.ts'
export { simpleMovingAverage, smaBid, type SmaBidInput } from './strategies/simple-moving-average.ts'
export {
  crossoverBid,
  crossoverMovingAverages,
  type CrossoverBidInput,
} from './strategies/crossover-moving-averages.ts'
export { applyStrategy } from './strategies/apply-strategy.ts'
export { dailyCloses, dayString, lastTrade, utcDay, utcHour } from './strategies/price-history.ts'
export {
  decideBuybot,
  parseLimit,
  tickPriceBtcPerMb,
  type AssetAmount,
  type BidTick,
  type BuybotInput,
  type BuybotState,
  type MirrorAsk,
} from './strategies/buybot.ts'
export {
  MODEL0_DEFAULTS,
  createModel0,
  isKnownPeer,
  model0Accept,
  model0Complete,
  model0Downtime,
  model0Settle,
  type Model0Params,
  type Model0State,
} from './trust/model0.ts'
export {
  INSTALL_MARGIN_MS,
  predictLife,
  type LifeExpectancy,
  type LifeInput,
} from './lifecycle/life-expectancy.ts'
// Token ledger (issue 9): TrustChain half-blocks, bandwidth tokens, payouts, sqlite store, signing protocol, crawl.
export * as ledgerConstants from './ledger/constants.ts'
export { LedgerError, type LedgerErrorCode } from './ledger/errors.ts'
export { bytesToHex, hexToBytes, bytesEqual } from './ledger/bytes.ts'
export {
  decodeBlock,
  packBlock,
  signingBytes,
  isValidBlockType,
  type DecodeResult,
  type HalfBlock,
  type HalfBlockFields,
} from './ledger/half-block.ts'
export { encodeTxDict, decodeTxDict, type TxDict, type TxValue } from './ledger/tx-dict.ts'
export {
  createSignatureVerifier,
  ed25519PublicKey,
  type BlockSigner,
  type SignatureVerifier,
} from './ledger/ed25519.ts'
export {
  createAgreement,
  createNextBlock,
  createProposal,
  signBlock,
  type NewBlock,
} from './ledger/create-block.ts'
export {
  checkInvariants,
  isProposal,
  validateBlock,
  validateInContext,
  type BlockContext,
  type FraudKind,
  type FraudProof,
  type TransactionRules,
  type TransactionRuleSet,
  type TxCheck,
  type Validation,
  type ValidationLevel,
} from './ledger/validation.ts'
export {
  balanceBytes,
  bandwidthRules,
  bandwidthTxOf,
  bytesToMbFloor,
  decodeBandwidthTx,
  encodeBandwidthTx,
  mirrorDeltas,
  nextBandwidthTx,
  transferDeltas,
  type BandwidthTx,
} from './ledger/bandwidth.ts'
export {
  forwardOf,
  payoutPlan,
  type CircuitKind,
  type ForwardRule,
  type HopPayout,
  type PayoutPlan,
} from './ledger/payout.ts'
export { isCrawlSeq, resolveCrawlRange, type SeqRange } from './ledger/crawl-range.ts'
export { decodeFraudProof, encodeFraudProof, verifyFraudProof } from './ledger/fraud-proof.ts'
export {
  createLedger,
  type AddResult,
  type AgreeResult,
  type Balance,
  type Ledger,
  type LedgerDeps,
  type LedgerOptions,
} from './ledger/ledger.ts'
export { verifyStoredChain, type ChainProblem, type ChainReport } from './ledger/verify-chain.ts'
export {
  createExpectations,
  refuseAllPolicy,
  type Expectation,
  type ExpectationInput,
  type Expectations,
  type ExpectationsOptions,
  type ExpectResult,
} from './ledger/expectations.ts'
export type {
  CountersignPolicy,
  CountersignTerms,
  CountersignVerdict,
  FraudRecord,
  LedgerRequest,
  LedgerRequestHandler,
  LedgerResponse,
  LedgerStore,
  LedgerTransport,
  StoredRow,
} from './ledger/ports.ts'
export {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  MAX_MESSAGE_BYTES,
} from './ledger/protocol/messages.ts'
export { createCrawler, type Crawler, type CrawlerDeps, type CrawlResult } from './ledger/protocol/crawler.ts'
export {
  createLedgerProtocol,
  type LedgerProtocol,
  type LedgerProtocolDeps,
  type LedgerProtocolOptions,
  type LedgerProtocolStats,
  type SignResult,
} from './ledger/protocol/ledger-protocol.ts'
export type { RateLimitOptions } from './ledger/protocol/rate-limiter.ts'
export {
  openSqliteLedgerStore,
  STATE_DB_FILE,
  type SqliteStoreOptions,
} from './ledger/adapters/sqlite-store.ts'
export {
  createMemoryNetwork,
  type MemoryNetwork,
  type MemoryNetworkOptions,
} from './ledger/adapters/memory-transport.ts'
export { generateIdentity, identityFromPem, identityFromSeed, type Identity } from './identity/identity.ts'
export { IdentityError, type IdentityErrorCode } from './identity/errors.ts'
export { IDENTITY_FILE, loadOrCreateIdentity } from './identity/adapters/identity-file.ts'
export { chooseOfferByDna } from './learning/dna-selector.ts'
// Agents' network (issue 10): signed envelopes, CYCLON, push-pull gossip, direct messages, libp2p host.
export * as networkConstants from './network/constants.ts'
export { NetworkError, type NetworkErrorCode } from './network/errors.ts'
export { canonicalJson, type JsonValue } from './network/canonical-json.ts'
export {
  MESSAGE_TYPES,
  openEnvelope,
  sealEnvelope,
  type Envelope,
  type EnvelopeSigner,
  type MessageType,
  type Opened,
} from './network/envelope.ts'
export {
  createReplayGuard,
  type Freshness,
  type ReplayGuard,
  type ReplayGuardOptions,
} from './network/replay-guard.ts'
export {
  ENTRY_KINDS,
  contactOf,
  entryKey,
  parseEntry,
  signEntry,
  statusOf,
  type ContactValue,
  type EntryKind,
  type SignedEntry,
  type StatusValue,
} from './network/entry.ts'
export { createEntryStore, type Digest, type EntryStore } from './network/entry-store.ts'
export { ageView, mergeView, planShuffle, type View, type ViewEntry } from './network/cyclon.ts'
export { deriveDhKeyPair, openDirect, sealDirect, type DhKeyPair } from './network/secure-message.ts'
export type { NetworkTransport, RequestHandler } from './network/ports.ts'
export { resolveNetworkOptions, type AgentNetworkOptions, type BootstrapPeer } from './network/options.ts'
export type { NetworkStats } from './network/gossip-engine.ts'
export {
  createAgentNetwork,
  type AgentNetwork,
  type AgentNetworkDeps,
  type ContactInfo,
} from './network/agent-network.ts'
export { createMemoryOverlay, type MemoryOverlay } from './network/adapters/memory-network.ts'
export {
  createMemoryFleet,
  type FleetAgent,
  type MemoryFleet,
  type MemoryFleetOptions,
} from './network/adapters/memory-fleet.ts'
export {
  peerIdOfKey,
  startLibp2pHost,
  type HostProtocol,
  type Libp2pHost,
  type Libp2pHostOptions,
} from './network/adapters/libp2p-host.ts'
export { gossipProtocol, libp2pNetworkTransport } from './network/adapters/network-transport.ts'
export { ledgerProtocol, libp2pLedgerTransport } from './network/adapters/libp2p-ledger-transport.ts'
// Replication (issue 7): create-child over SSH, copy-self/release bundles, hand-over, VPN; the daemon and its status API.
export { ReplicationError, createChildExitCode, type ReplicationErrorCode } from './replication/errors.ts'
export * as replicationConstants from './replication/constants.ts'
export type {
  RemoteExecOptions,
  RemoteResult,
  RemoteShell,
  ShellConnector,
  SshAuth,
} from './replication/ports.ts'
export {
  createChild,
  type BundleSource,
  type ChildFile,
  type CreateChildDeps,
  type CreateChildOptions,
  type CreateChildReport,
} from './replication/create-child.ts'
export {
  CREATE_CHILD_USAGE,
  parseCreateChildArgs,
  type CreateChildArgs,
} from './replication/create-child-args.ts'
export {
  ChildRecordSchema,
  isValidIp,
  newChildRecord,
  parseChildRecord,
  type ChildRecord,
  type ChildRecordStore,
} from './replication/child-record.ts'
export {
  PAYLOAD_FILE,
  buildChildPayload,
  parseChildPayload,
  serializeChildPayload,
  type ChildPayload,
  type PayloadInput,
} from './replication/payload.ts'
export { sanitizeConfig } from './replication/sanitize-config.ts'
export { generateSshKey, sshKeyFromSeed, type SshKeyPair } from './replication/ssh-key.ts'
export { checksumFor, parseRelease, releaseApiPath, type ReleaseChoice } from './replication/release-index.ts'
export { createSshConnector, hostKeyFingerprint } from './replication/adapters/ssh-connector.ts'
export {
  buildBundle,
  runningAppRoot,
  type Bundle,
  type BundleKind,
  type BundleOptions,
} from './replication/adapters/bundle.ts'
export { createChildRecordFiles } from './replication/adapters/child-record-files.ts'
export { resolveRelease } from './replication/adapters/release-channel.ts'
export {
  AGENT_RECORD_FILE,
  AgentRecordSchema,
  ContactSchema,
  childTreePath,
  inheritedContacts,
  isTreePath,
  type AgentRecord,
  type Contact,
} from './daemon/agent-record.ts'
export {
  PublicStatusSchema,
  StatusSchema,
  handleStatusRequest,
  isAuthorizedCaller,
  isFullStatus,
  isHandingOver,
  decodeStatus,
  parseAnyStatus,
  parseListenAddress,
  parseStatus,
  publicStatusOf,
  type AgentStatus,
  type AnyStatus,
  type PublicStatus,
  type StatusRequest,
  type StatusResponse,
} from './daemon/status.ts'
export {
  STATUS_TOKEN_FILE,
  loadOrCreateStatusToken,
  readStatusToken,
} from './daemon/adapters/status-token.ts'
export {
  HEARTBEAT_INTERVAL_MS,
  createDaemon,
  type AgentDescription,
  type Daemon,
  type DaemonComponent,
  type DaemonDeps,
  type DaemonOptions,
  type StatusListener,
} from './daemon/daemon.ts'
export {
  DAEMON_NODE_OPTIONS,
  renderCronEntry,
  renderSystemdUnit,
  renderWatchdog,
  type ServicePlan,
} from './daemon/service-files.ts'
export { serveStatusHttp } from './daemon/adapters/status-server.ts'
export { installService, type ServiceKind } from './daemon/adapters/service.ts'
export { readAgentRecord, writeAgentRecord } from './daemon/adapters/agent-home.ts'
export {
  GOSSIP_PORT,
  REMOTE_QTABLES_FILE,
  bootstrapFromContacts,
  bootstrapFromMultiaddrs,
  createNetworkComponent,
  gossipListenAddrs,
  readNetworkSnapshot,
  type NetworkComponent,
  type NetworkComponentDeps,
  type NetworkComponentOptions,
  type RemoteEntryFile,
} from './network/adapters/network-component.ts'
export {
  oneShotLedgerTransport,
  type OneShotLedgerTransportOptions,
} from './network/adapters/one-shot-ledger-transport.ts'
export {
  NETWORK_SNAPSHOT_FILE,
  parseNetworkSnapshot,
  snapshotOf,
  type NetworkSnapshot,
} from './network/snapshot.ts'
// The living agent (issue 8): config, lifecycle state, the check tick, the daemon's tick loop, status.
export { LifecycleError, type LifecycleErrorCode } from './lifecycle/errors.ts'
export { decideTick } from './lifecycle/tick.ts'
export { applyOutcome, startInstall } from './lifecycle/outcome.ts'
export {
  BACKOFF_MAX_MS,
  BACKOFF_MIN_MS,
  MAX_EVENTS,
  childrenOf,
  initialLifecycle,
  replaceItem,
  withEvent,
  type EffectOutcome,
  type IdleReason,
  type ItemStage,
  type LifeEvent,
  type LifecycleState,
  type PricedOffer,
  type PurchaseItem,
  type TickEffect,
  type TickInputs,
  type TickPolicy,
  type TickStep,
} from './lifecycle/state.ts'
export { parseLifecycle, serializeLifecycle } from './lifecycle/state-codec.ts'
export {
  LifecycleStatusSchema,
  lifecycleStatusOf,
  type LifecycleStatus,
} from './lifecycle/lifecycle-status.ts'
export { openLifecycleStore, type LifecycleStore } from './lifecycle/adapters/state-store.ts'
export { acquireTickLock, TICK_LOCK_FILE } from './lifecycle/adapters/tick-lock.ts'
export { runTick, withTickLock, type TickDeps, type TickReport } from './lifecycle/adapters/run-tick.ts'
export { KILL_POINTS, parseKillAt, type KillAt, type KillPoint } from './lifecycle/kill-points.ts'
export {
  KILL_AT_ENV,
  KILL_LOG_ENV,
  createKillCheckpoint,
  killCheckpointFromEnv,
  type KillActions,
} from './lifecycle/adapters/kill-checkpoint.ts'
export { FEE_RESERVE_SATS, learn } from './lifecycle/adapters/offers.ts'
// The agent as one object over its ports (issue 15).
export { createAgent, type Agent } from './agent/create-agent.ts'
export type {
  AgentOptions,
  AgentPorts,
  AgentProbe,
  ChildInstaller,
  InstallTarget,
  ProviderRegistry,
} from './agent/ports.ts'
export type { AgentStore, DocumentStore, LifecycleStateStore } from './agent/store.ts'
export { createMemoryAgentStore, type MemoryAgentStore } from './agent/adapters/memory-store.ts'
export { homeDocuments, openFileAgentStore } from './agent/adapters/file-store.ts'
export { agentOptionsFrom, portsFromRuntime } from './agent/adapters/ports-from-runtime.ts'
export { catalogue, chooseNext } from './agent/effects/offers.ts'
export {
  TICK_FLOOR_REAL_MS,
  createTickComponent,
  type TickLoopOptions,
} from './lifecycle/adapters/tick-component.ts'
export {
  WORLD_SATS_PER_USD,
  agentClock,
  loadAgentConfig,
  openAgentRuntime,
  type AgentRuntime,
} from './lifecycle/adapters/agent-runtime.ts'
export { CONFIG_DEFAULTS } from './config/defaults.ts'
export {
  ENV_PREFIX,
  effectiveIni,
  readAgentConfig,
  type AgentConfig,
  type ShopEndpoint,
  type WorldConfig,
} from './config/agent-config.ts'
export { formatIniText, parseIniText, setIniValue, type IniSections } from './config/ini.ts'
