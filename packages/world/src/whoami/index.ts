/** The world's "what is my IP" service, so agents can verify where their traffic leaves from. */
export { startWhoami, type WhoamiOptions, type WhoamiServer } from './adapters/whoami-server.ts'
export { normalizeSourceAddress, whoamiReply, type WhoamiReply } from './source-address.ts'
