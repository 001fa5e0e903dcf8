/**
 * @dolly/plebnet — the Dollynator agent and its `plebnet` CLI. The agent is one object,
 * `createAgent(ports, options)` (src/agent/), built by `plebnet daemon` and `plebnet check` from the
 * agent's config (`portsFromRuntime`), and by tests and the simulator from memory adapters. Learning,
 * the ledger and the overlay are packages of their own (@dolly/learning, @dolly/ledger,
 * @dolly/overlay); this surface is the agent's factory and ports, its config, its status document,
 * its lifecycle state for tools that inspect a home, the sell strategies and the exit statuses.
 */

// The agent and its ports.
export { createAgent, type Agent, type TickReport } from './agent/create-agent.ts'
export type {
  AgentOptions,
  AgentPorts,
  AgentProbe,
  ChildInstaller,
  InstallTarget,
  ProviderRegistry,
  TokenMarket,
  AskRequest,
} from './agent/ports.ts'
export { childTreePath, type AgentRecord } from './daemon/agent-record.ts'
export type { AgentStore } from './agent/store.ts'
export { createMemoryAgentStore, type MemoryAgentStore } from './agent/adapters/memory-store.ts'
export { openFileAgentStore } from './agent/adapters/file-store.ts'
export { createMemoryShop } from './agent/adapters/memory-shop.ts'
export { agentOptionsFrom, portsFromRuntime } from './agent/adapters/ports-from-runtime.ts'
export { openAgentRuntime, type AgentRuntime } from './lifecycle/adapters/agent-runtime.ts'

// Its config.
export { readAgentConfig, type AgentConfig } from './config/agent-config.ts'

// Its IRC bot (AGENT.md §11): the [irc] config, and the error line other components post (§14).
export { readIrcConfig, type IrcConfig } from './irc/irc-config.ts'
export { errorLine } from './irc/irc-replies.ts'
export type { IrcComponent } from './irc/adapters/irc-component.ts'

// Its status document (the daemon's API) and how the daemon runs.
export {
  isFullStatus,
  parseAnyStatus,
  parseStatus,
  publicStatusOf,
  type AgentStatus,
  type AnyStatus,
} from './daemon/status.ts'
export { STATUS_TOKEN_FILE } from './daemon/adapters/status-token.ts'
export { DAEMON_ENV, DAEMON_GLIBC_TUNABLES, DAEMON_NODE_OPTIONS } from './daemon/service-files.ts'
export * as replicationConstants from './replication/constants.ts'

// Its lifecycle state (the tick's table in state.sqlite) and the tick's kill points.
export { openLifecycleStore, type LifecycleStore } from './lifecycle/adapters/state-store.ts'
export type { LifecycleState, PurchaseItem } from './lifecycle/state.ts'
export {
  KILL_POINTS,
  TRADE_KILL_POINTS,
  type KillPoint,
  type TradeKillPoint,
} from './lifecycle/kill-points.ts'

// The sell strategies (ALGORITHMS.md §5).
export { applyStrategy } from './strategies/apply-strategy.ts'
export { initialStrategyState, replicationPrice } from './strategies/common.ts'
export type { StrategyState, Trade } from './strategies/types.ts'

// Exit statuses of every code (`plebnet` CLI and library).
export { PLEBNET_EXIT_STATUS } from './exit-status.ts'
export { PLEBNET_CLI_EXIT_STATUS } from './cli/exit-status.ts'

// Postcards and error reports (issue 18, AGENT.md §14): the IRC bot hooks `Reporter.onReported`
// (`ircErrorLine` formats the line); the world's tests drive them against its sink and tracker.
export { effectiveIni } from './config/agent-config.ts'
export {
  GITHUB_API_URL,
  configSecrets,
  postcardConfigOf,
  reporterConfigOf,
  type PostcardConfig,
  type ReporterConfig,
} from './config/watch-config.ts'
export {
  isoTime,
  postcardMessage,
  postcardSubject,
  type MailMessage,
  type PostcardFacts,
  type PostcardJournal,
} from './postcard/postcard.ts'
export { createPostman, type Mailer, type PostcardDelivery, type Postman } from './postcard/postman.ts'
export { openPostman } from './postcard/adapters/open-postman.ts'
export { createSmtpMailer } from './postcard/adapters/smtp-mailer.ts'
export {
  DEFAULT_ISSUE_TITLE,
  REPORT_LOG_LINES,
  createReporter,
  ircErrorLine,
  type IssueTracker,
  type NewIssue,
  type Reporter,
  type ReportedError,
  type ReportOutcome,
} from './reporter/reporter.ts'
export { redactReport } from './reporter/redact-report.ts'
export { createGithubIssueTracker } from './reporter/adapters/github-issues.ts'
export { createLogRecorder, type ErrorEntry, type LogRecorder } from './reporter/adapters/log-recorder.ts'
export { openReporter } from './reporter/adapters/open-reporter.ts'
export { initialLifecycle } from './lifecycle/state.ts'

// The trade audit of a home (`plebnet market audit`; `dolly world audit` runs it on every home).
export { auditHome, type HomeAudit } from './market/adapters/audit-home.ts'
export type { TradeAuditRow } from './market/settlement/audit.ts'
export { TRADES_FILE } from './market/settlement/settlement.ts'
