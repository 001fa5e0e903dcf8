/** @dolly/learning — QD-learning: the genome, the Q-table and its trimmed consensus, rewards and offer choice. */
export { chooseOffer } from './choose-offer.ts'
export {
  MAX_ABS_TABLE_VALUE,
  MAX_COUNTER,
  MAX_OFFERS,
  MAX_OFFER_ID_CHARS,
  MAX_OFFER_NAME_CHARS,
} from './constants.ts'
export { DECISION_EXIT_STATUS, DecisionError } from './errors.ts'
export { parseGenome, serializeGenome } from './genome-codec.ts'
export { type Genome, STRATEGY_NAMES, type StrategyName, createRootGenome, evolveGenome } from './genome.ts'
export { inheritGenome, inheritQTable } from './inheritance.ts'
export { type LearnOptions, learnFromOutcome } from './learn-step.ts'
export { type OfferInfo, offerId } from './offer.ts'
export { type Earnings, type LearnPorts, type RemoteTables } from './ports.ts'
export { isOfferId, parseQTable, serializeQTable } from './q-table-codec.ts'
export { type QTable, type RemoteQ, createQTable, qValue, updateQTable, withOffers } from './q-table.ts'
export {
  EMPTY_INBOX,
  type PeerStanding,
  type RemoteEntry,
  type RemoteInbox,
  receiveRemote,
  takeRemotes,
} from './remote-tables.ts'
export { computeReward } from './reward.ts'
export { hasProtoKey } from './wire.ts'
export * as learningConstants from './constants.ts'
export { chooseOfferByDna } from './dna-selector.ts'
