/**
 * @dolly/plebnet — the Dollynator agent: lifecycle, learning, strategies, ledger, network, market,
 * replication and status.
 */
// Decision core (issue 4): QD-learning, genome, sell strategies, Model 0, life expectancy.
export { PLEBNET_EXIT_STATUS } from './exit-status.ts'
export { PLEBNET_CLI_EXIT_STATUS } from './cli/exit-status.ts'
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
// Agents' network (issue 10): signed envelopes, CYCLON, push-pull gossip, direct messages, libp2p host.
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
export { QTABLE_FILE, readJsonFile } from './daemon/adapters/agent-home.ts'
