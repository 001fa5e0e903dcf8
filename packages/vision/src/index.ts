/**
 * Vision: the tracker that records the family's figures over time and the web app that shows the
 * family tree and charts (AGENT.md §12).
 */
export { VisionError, VISION_EXIT_STATUS, type VisionErrorCode } from './errors.ts'
export {
  DEFAULT_VISION_PORT,
  DEFAULT_TRACKER_INTERVAL_S,
  DEFAULT_DEAD_AFTER_S,
  DEFAULT_IRC_CHANNEL,
  DEFAULT_TRACKER_IRC_PORT,
  DEFAULT_TRACKER_NICK,
  TRACKER_COMMANDS,
  METRICS,
  type MetricName,
} from './constants.ts'
export { parseReply, parsePrivmsgLine, type Reply, type ReplyResult, type Privmsg } from './reply-parser.ts'
export { parsePythonDict, generalFromDict, isTreePath, parentOf, type General } from './general.ts'
export { parseTrackerDataLine, formatTrackerDataLine, generalRepr } from './tracker-data.ts'
export type { Observation } from './observation.ts'
export {
  createMemoryStore,
  createLiveStore,
  type VisionStore,
  type LiveStore,
  type NodeRecord,
  type Point,
} from './store.ts'
export { buildNetwork, nodeInfo, showNodes, colourOf, type Network, type NodeInfo } from './family-tree.ts'
export { fleetSeries, type FleetSeries } from './fleet.ts'
export { createTracker, type Tracker, type TrackerIrc, type TrackerOptions } from './tracker.ts'
export { createVisionApp, type VisionAssets, type VisionAppOptions } from './app.ts'
export { loadVisionAssets } from './adapters/assets.ts'
export { openSqliteStore } from './adapters/sqlite-store.ts'
export { importTrackerData } from './adapters/tracker-data-file.ts'
export { startVision, type StartVisionOptions, type VisionHandle } from './adapters/start-vision.ts'
