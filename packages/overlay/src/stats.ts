import type { NetworkErrorCode } from './errors.ts'

/** Counters of one node's traffic and rejections. */
export interface NetworkStats {
  bytesSent: number
  bytesReceived: number
  messagesSent: number
  shuffles: number
  exchanges: number
  failedRequests: number
  /** Rejected incoming messages and entries by code. */
  readonly rejected: Partial<Record<NetworkErrorCode, number>>
}
