import { z } from 'zod'
import { WorldError } from '../errors.ts'

/** What a running world publishes in `<dir>/world.json` for `status`, `faucet` and other processes. */
export const WorldStateSchema = z
  .object({
    version: z.literal(1),
    pid: z.number().int().positive(),
    startedAtRealMs: z.number().int(),
    timeScale: z
      .object({
        scale: z.number().positive(),
        epochRealMs: z.number().int(),
        epochWorldMs: z.number().int(),
      })
      .strict(),
    blockIntervalWorldMs: z.number().int().positive(),
    chain: z
      .object({
        rpcUrl: z.string().url(),
        rpcUser: z.string(),
        rpcPassword: z.string(),
        /** The agents' restricted RPC user (chain/adapters/litecoind.ts AGENT_RPC_METHODS); absent in worlds started before it. */
        agentRpcUser: z.string().optional(),
        agentRpcPassword: z.string().optional(),
        dataDir: z.string(),
        pid: z.number().int(),
      })
      .strict(),
    /** The world process's read-only control endpoint (`GET /status`). */
    controlUrl: z.string().url(),
    /** Every provider the world runs (shops, API and VPN providers), for buyers like cloudomate. */
    providers: z
      .array(
        z
          .object({
            name: z.string(),
            kind: z.enum(['whmcs', 'sporestack', 'bitlaunch', 'vpn']),
            url: z.string().url(),
          })
          .strict(),
      )
      .default([]),
    /** The hosts' bridge, absent in a chain-only world (`--providers 0`). */
    network: z
      .object({
        bridge: z.string(),
        gatewayIp: z.string(),
        subnetCidr: z.string(),
        internetIp: z.string(),
        /** Chain RPC as agents inside hosts reach it. */
        hostRpcUrl: z.string().url(),
      })
      .strict()
      .optional(),
    /**
     * The content network (issue 16, "World users"), absent in a chain-only world: agents reach it
     * through their host's `eth1` and allow `subnetCidr` as their exit network; users reach it only
     * through the agents' tunnels.
     */
    content: z
      .object({
        bridge: z.string(),
        subnetCidr: z.string(),
        serverIp: z.string(),
        /** The HTTP file server, e.g. `http://10.79.3.1:80/` (`GET /files/<name>`). */
        httpUrl: z.string().url(),
        /** `ip:port` of the UDP echo service. */
        udpEcho: z.string(),
        files: z.array(z.object({ name: z.string(), bytes: z.number().int().positive() }).strict()),
      })
      .strict()
      .optional(),
    /** The SMTP sink agents mail their postcards to (issue 18), where hosts reach it; its messages are in `dir`. */
    mail: z
      .object({ host: z.string(), port: z.number().int().min(1).max(65_535), dir: z.string() })
      .strict()
      .optional(),
    /**
     * The GitHub-compatible issue tracker agents file error reports with (issue 18): the API base URL
     * (`github.api_url`), the repository and the one token it accepts; its issues are in `dir`.
     */
    issues: z
      .object({
        url: z.string().url(),
        owner: z.string(),
        repo: z.string(),
        token: z.string(),
        dir: z.string(),
      })
      .strict()
      .optional(),
    /**
     * The world's IRC server (issue 18: Debian's ngircd): `host` is the address agents in hosts reach
     * (the bridge gateway; loopback in a chain-only world), `localHost` what tools on this machine use.
     * Every agent's config gets `[irc] server/port/channel` from it. Absent from older worlds.
     */
    irc: z
      .object({
        host: z.string(),
        localHost: z.string(),
        port: z.number().int().min(1).max(65_535),
        channel: z.string(),
        pid: z.number().int(),
      })
      .strict()
      .optional(),
    /**
     * The genesis agent once `world up --genesis` installed and funded it (absent before and without
     * genesis): `up --detach` returns when it is published, so the fund is on the faucet's books by then.
     */
    genesis: z
      .object({ tree: z.string(), hostIp: z.string(), address: z.string(), fundTxid: z.string() })
      .strict()
      .optional(),
  })
  .strict()

/** The published state of a running world. */
export type WorldState = z.infer<typeof WorldStateSchema>

/** Parses `world.json` text; a damaged file is an error naming the file, never half-trusted. */
export function parseWorldState(text: string, file: string): WorldState {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new WorldError(
      'WORLD_STATE_MALFORMED',
      `${file} is not valid JSON; remove it or run 'dolly world down'`,
      { file },
      { cause: err },
    )
  }
  const parsed = WorldStateSchema.safeParse(json)
  if (!parsed.success) {
    throw new WorldError(
      'WORLD_STATE_MALFORMED',
      `${file} does not describe a world: ${parsed.error.message}`,
      {
        file,
        issues: parsed.error.issues,
      },
    )
  }
  return parsed.data
}
