/**
 * @dolly/base — the cross-cutting ports every package shares (Clock, Rng, Logger) with their
 * adapters, the DollyError base class, exact bigint-satoshi money, and the atomic file write.
 */
export {
  DollyError,
  BaseError,
  errorCode,
  toJsonSafe,
  BASE_EXIT_STATUS,
  type BaseErrorCode,
} from './errors.ts'
export { EXIT, exitStatusOf, type ExitStatus, type ExitStatusMap } from './exit-status.ts'
export { parseBtc, formatBtc, parseSats, SATS_PER_BTC, MAX_MONEY_SATS } from './money.ts'
export { abortReason, clockDeadline, type Clock, type ClockDeadline, type AbortOptions } from './clock.ts'
export { noCheckpoint, type Checkpoint } from './checkpoint.ts'
export { createVirtualClock, type VirtualClock } from './virtual-clock.ts'
export { createSystemClock, realSleep } from './adapters/system-clock.ts'
export { createScaledClock, type ScaledClock, type TimeScale } from './adapters/scaled-clock.ts'
export { createSeededRng, type Rng } from './rng.ts'
export { createCryptoRng } from './adapters/crypto-rng.ts'
export { writeFileAtomic, syncDirectory, type WriteFileAtomicOptions } from './adapters/atomic-file.ts'
export { openLineJournalFile, repairTornTail, type LineJournalFile } from './adapters/line-journal.ts'
export {
  createMemoryLogger,
  createNullLogger,
  redactFields,
  REDACTED,
  type Logger,
  type LogFields,
  type LogLevel,
  type LogEntry,
  type MemoryLogger,
} from './logger.ts'
export { civilFromDays, daysFromCivil, type CivilDate } from './civil-date.ts'
export { parseIni, iniValue, iniName, formatIni, MAX_INI_CHARS, type IniSections } from './ini.ts'
export { isSecretFieldName, normaliseFieldName, scrubSecrets } from './redact.ts'
export { createPinoLogger, type PinoLoggerOptions } from './adapters/pino-logger.ts'
export { runCli, emit, processIo, type CliIo } from './cli/run.ts'
export * as decode from './decode.ts'
export { DecodeError, type Decoder, type DecodeIssue, type Infer } from './decode.ts'
export {
  IDENTITY_FILE,
  loadOrCreateIdentity,
  loadOrCreateSecretFile,
} from './identity/adapters/identity-file.ts'
export { bytesEqual, bytesToHex, hexToBytes } from './identity/bytes.ts'
export { type BlockSigner, type SignatureVerifier, createSignatureVerifier } from './identity/ed25519.ts'
export { IDENTITY_EXIT_STATUS, IdentityError } from './identity/errors.ts'
export { type Identity, generateIdentity, identityFromPem, identityFromSeed } from './identity/identity.ts'
