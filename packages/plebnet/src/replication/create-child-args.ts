import { STRATEGY_NAMES, type StrategyName } from '@dolly/learning/genome'
import { isValidIp } from './ip.ts'
import { ReplicationError } from './errors.ts'

/**
 * `create-child`'s arguments (AGENT.md §8), parsed by hand because the original's flags are
 * multi-letter single-dash options (`-conf`, `-cred`) with two values, which commander cannot express.
 */
export interface CreateChildArgs {
  readonly ip: string
  readonly password: string
  readonly testnet: boolean
  readonly exitNode: boolean
  /** `--strategy NAME`: the child sells with NAME whatever inheritance draws (the operator's choice by hand). */
  readonly strategy?: StrategyName
  /** `-conf SRC DEST`: VPN config copied to `~/<DEST>` on the child. */
  readonly config?: { readonly src: string; readonly dest: string }
  /** `-cred SRC DEST`: VPN credentials copied to `~/<DEST>` on the child. */
  readonly credentials?: { readonly src: string; readonly dest: string }
  /** How to get the code: the running agent itself, a release version, or a branch/ref name (`-b`). */
  /** How to get the code; `genome` (no flag): the child genome's software-version trait decides. */
  readonly source:
    | { readonly kind: 'genome' }
    | { readonly kind: 'self' }
    | { readonly kind: 'release'; readonly version: string }
    | { readonly kind: 'branch'; readonly ref: string }
  /** Base URL of the release channel (GitHub-releases API), e.g. the world's release server. */
  readonly releaseUrl?: string
  /** A "what is my IP" URL the child's outbound address is checked with once its VPN is up. */
  readonly vpnCheckUrl?: string
  readonly statusPort?: number
  readonly heartbeatTimeoutS?: number
  /** `--lease-end S`: when the server's lease ends (Unix s of the agent's clock), so the child hands over in time. */
  readonly leaseEndS?: number
  readonly json: boolean
  readonly help: boolean
}

/** Usage text of `create-child`. */
export const CREATE_CHILD_USAGE = [
  'Usage: plebnet create-child -i IP -p PASSWORD [-t|--testnet] [-e|--exitnode] [--strategy NAME]',
  '         [-conf|--config SRC DEST] [-cred|--credentials SRC DEST] [-b|--branch REF | --release VERSION | --self]',
  '         [--release-url URL] [--vpn-check-url URL]',
  '         [--status-port PORT] [--heartbeat-timeout S] [--lease-end UNIX_S] [--json]',
  '',
  'Logs into a freshly bought server as root, installs this agent there with its own runtime, hands',
  'over identity, wallet key, genome and Q-table, starts the child daemon and waits for its heartbeat.',
  "--lease-end tells the child when its server's lease ends (Unix seconds; in a world, world time), so it",
  'hands its coins over before; without it the child counts lease.time_alive from its first tick.',
  'A -conf DEST ending in _wg.conf is a WireGuard config: the child brings it up, keeping SSH on the public path.',
  `--strategy pins the child's sell strategy gene (${STRATEGY_NAMES.join(', ')}); without it inheritance may flip it.`,
  'Exit codes: 0 ok, 1 usage, 2 SSH unreachable or authentication failed, 3 remote install failed, 4 setup failed.',
].join('\n')

const usage = (message: string): ReplicationError =>
  new ReplicationError('REPLICATION_USAGE', `${message}\n${CREATE_CHILD_USAGE}`, {})

/**
 * Parses `create-child`'s argv (after the command name).
 *
 * @throws ReplicationError REPLICATION_USAGE, REPLICATION_IP_INVALID
 */
export function parseCreateChildArgs(argv: readonly string[]): CreateChildArgs {
  const values = new Map<string, string[]>()
  const flags = new Set<string>()
  const arity: Record<string, number> = {
    ip: 1,
    password: 1,
    config: 2,
    credentials: 2,
    branch: 1,
    release: 1,
    'release-url': 1,
    'vpn-check-url': 1,
    'status-port': 1,
    'heartbeat-timeout': 1,
    'lease-end': 1,
    strategy: 1,
  }
  const alias: Record<string, string> = {
    '-i': 'ip',
    '-p': 'password',
    '-t': 'testnet',
    '-e': 'exitnode',
    '-conf': 'config',
    '-cred': 'credentials',
    '-b': 'branch',
    '-h': 'help',
  }
  const booleans = new Set(['testnet', 'exitnode', 'self', 'json', 'help'])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    let name: string | undefined
    let inline: string | undefined
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
      inline = eq === -1 ? undefined : arg.slice(eq + 1)
    } else {
      name = alias[arg]
    }
    if (name === undefined || (!booleans.has(name) && arity[name] === undefined))
      throw usage(`unknown argument ${JSON.stringify(arg)}`)
    if (booleans.has(name)) {
      if (inline !== undefined) throw usage(`--${name} takes no value`)
      flags.add(name)
      continue
    }
    const n = arity[name] ?? 1
    const got = inline !== undefined ? [inline, ...argv.slice(i + 1, i + n)] : argv.slice(i + 1, i + 1 + n)
    i += inline !== undefined ? n - 1 : n
    if (got.length < n || got.some((v) => v === ''))
      throw usage(`--${name} needs ${n} value${n > 1 ? 's' : ''}`)
    if (values.has(name)) throw usage(`--${name} given twice`)
    values.set(name, got)
  }
  const help = flags.has('help')
  const one = (key: string): string | undefined => values.get(key)?.[0]
  const pair = (key: string): { src: string; dest: string } | undefined => {
    const v = values.get(key)
    if (v === undefined) return undefined
    const [src = '', dest = ''] = v
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(dest) || dest.startsWith('.'))
      throw usage(`--${key} DEST must be a plain file name, got ${JSON.stringify(dest)}`)
    return { src, dest }
  }
  const int = (key: string, min: number, max: number): number | undefined => {
    const text = one(key)
    if (text === undefined) return undefined
    if (!/^\d{1,6}$/.test(text) || Number(text) < min || Number(text) > max)
      throw usage(`--${key} must be an integer in ${min}..${max}`)
    return Number(text)
  }
  const ip = one('ip') ?? ''
  const password = one('password') ?? ''
  if (!help) {
    if (ip === '') throw usage('-i IP is required')
    if (password === '') throw usage('-p PASSWORD is required')
    if (!isValidIp(ip))
      throw new ReplicationError(
        'REPLICATION_IP_INVALID',
        `${JSON.stringify(ip)} is not an IPv4 or IPv6 address`,
        { ip },
      )
  }
  const sources = [values.has('branch'), values.has('release'), flags.has('self')].filter(Boolean).length
  if (sources > 1) throw usage('give at most one of -b, --release, --self')
  const release = one('release')
  const branch = one('branch')
  const config = pair('config')
  const credentials = pair('credentials')
  const releaseUrl = one('release-url')
  if (releaseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(releaseUrl))
    throw usage('--release-url must be an http(s) URL')
  const vpnCheckUrl = one('vpn-check-url')
  if (vpnCheckUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(vpnCheckUrl))
    throw usage('--vpn-check-url must be an http(s) URL')
  const statusPort = int('status-port', 1, 65_535)
  const heartbeatTimeoutS = int('heartbeat-timeout', 1, 86_400)
  const leaseEndText = one('lease-end')
  if (leaseEndText !== undefined && !/^\d{1,12}$/.test(leaseEndText))
    throw usage('--lease-end must be Unix seconds (a whole number)')
  const leaseEndS = leaseEndText === undefined ? undefined : Number(leaseEndText)
  const strategyText = one('strategy')
  const strategy = STRATEGY_NAMES.find((n) => n === strategyText)
  if (strategyText !== undefined && strategy === undefined)
    throw usage(`--strategy must be one of ${STRATEGY_NAMES.join(', ')}`)
  return {
    ip,
    password,
    testnet: flags.has('testnet'),
    exitNode: flags.has('exitnode'),
    ...(strategy === undefined ? {} : { strategy }),
    ...(config === undefined ? {} : { config }),
    ...(credentials === undefined ? {} : { credentials }),
    source:
      release !== undefined
        ? { kind: 'release', version: release }
        : branch !== undefined
          ? { kind: 'branch', ref: branch }
          : flags.has('self')
            ? { kind: 'self' }
            : { kind: 'genome' },
    ...(releaseUrl === undefined ? {} : { releaseUrl }),
    ...(vpnCheckUrl === undefined ? {} : { vpnCheckUrl }),
    ...(statusPort === undefined ? {} : { statusPort }),
    ...(heartbeatTimeoutS === undefined ? {} : { heartbeatTimeoutS }),
    ...(leaseEndS === undefined ? {} : { leaseEndS }),
    json: flags.has('json'),
    help,
  }
}
