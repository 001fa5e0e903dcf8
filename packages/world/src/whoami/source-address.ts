/**
 * Turns a socket's remote address into the caller's IPv4 address as a user would write it: Node
 * reports IPv4 peers of a dual-stack socket as IPv4-mapped IPv6 (`::ffff:10.77.3.5`).
 */
export function normalizeSourceAddress(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined || remoteAddress === '') return 'unknown'
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress)
  return mapped?.[1] ?? remoteAddress
}

/** The JSON body of `GET /json`, shaped like ifconfig.co's (`ip` plus the port the caller used). */
export interface WhoamiReply {
  readonly ip: string
  readonly port: number | null
}

/** Builds the JSON reply for a caller. */
export function whoamiReply(remoteAddress: string | undefined, remotePort: number | undefined): WhoamiReply {
  return { ip: normalizeSourceAddress(remoteAddress), port: remotePort ?? null }
}
