import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { runCli, type CliIo } from '@dolly/base'
import { afterEach, describe, expect, it } from 'vitest'
import { PLEBNET_CLI_EXIT_STATUS } from './exit-status.ts'
import { buildPlebnetProgram } from './program.ts'

const here = dirname(fileURLToPath(import.meta.url))
const BIN = join(here, '..', '..', 'bin', 'plebnet.js')
const PROGRAM = join(here, 'program.ts')

/** Every plebnet command, in the order `plebnet --help` lists them. */
const COMMANDS = [
  'wallet',
  'ledger',
  'setup',
  'status',
  'network',
  'conf',
  'daemon',
  'create-child',
  'check',
  'proxy',
  'market',
  'irc',
  'buybot',
]

/** Packages no light path may load: the overlay, ssh, the wallet's crypto, cloudomate's scraping, logging. */
const HEAVY =
  /node_modules\/(libp2p|@libp2p|@chainsafe|ssh2|bitcoinjs-lib|bip32|bip39|ecpair|tiny-secp256k1|pino|cheerio|undici|tough-cookie)\/|packages\/(wallet|cloudomate)\/src\/index\.ts$/

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dolly-program-'))
  dirs.push(dir)
  return dir
}

async function run(args: string[]) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) }
  const program = buildPlebnetProgram(io, { home: '/nonexistent/plebnet-home' })
  const code = await runCli(program, args, io, PLEBNET_CLI_EXIT_STATUS)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** The commands a help text lists (the first word of each line of its `Commands:` section). */
function listedCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? ''
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
    .map((m) => m[1] ?? '')
    .filter((name) => name !== 'help')
}

/**
 * Runs `node <script> args` with a module hook recording every module loaded, and returns the
 * loaded URLs (printed by the child on exit, after the script's own output).
 */
async function loadedModules(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const dir = await tempDir()
  const hook = join(dir, 'hook.mjs')
  await writeFile(
    hook,
    [
      "import { registerHooks } from 'node:module'",
      'const seen = []',
      'registerHooks({ load(url, context, next) { seen.push(url); return next(url, context) } })',
      "process.on('exit', () => process.stdout.write('\\n@@LOADED@@' + JSON.stringify(seen)))",
    ].join('\n'),
  )
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', hook, script, ...args], {
    env: { ...process.env, ...env },
  }).catch((e: { stdout?: string; code?: number }) => ({ stdout: e.stdout ?? '' }))
  const [output = '', loaded = '[]'] = stdout.split('\n@@LOADED@@')
  return { output, modules: JSON.parse(loaded) as string[] }
}

describe('plebnet program', () => {
  it('--help lists every command', async () => {
    const { code, out } = await run(['--help'])
    expect(code).toBe(0)
    expect(listedCommands(out)).toEqual(COMMANDS)
  })

  it("the work-heavy commands' --help and errors are their own, flags included", async () => {
    const daemon = await run(['daemon', '--help'])
    expect(daemon.code).toBe(0)
    expect(daemon.out).toContain('Usage: plebnet daemon [options]')
    expect(daemon.out).toContain('--status-listen <ip:port>')
    const check = await run(['check', '--no-such-flag'])
    expect(check.code).toBe(2)
    expect(check.err).toContain("unknown option '--no-such-flag'")
  }, 60_000)

  it('`plebnet proxy --help` documents its contract and loads no heavy module; bad ports are usage errors', async () => {
    const help = await loadedModules(BIN, ['proxy', '--help'])
    expect(help.output).toContain('--bootstrap <multiaddr...>')
    expect(help.output).toContain('port+1, port+2 and port+3')
    expect(help.output).toContain('{"event":"ready","ports":{"1":1081,"2":1082,"3":1083}}')
    expect(help.modules.filter((m) => HEAVY.test(m))).toEqual([])
    const bad = await run(['proxy', '--bootstrap', '/ip4/127.0.0.1/tcp/1', '--port', '65533'])
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('--port 65533')
    expect((await run(['proxy'])).code).toBe(2)
    expect(help.output).toContain('--hops 3 --warm 1')
    const buybotHelp = await loadedModules(BIN, ['buybot', '--help'])
    expect(buybotHelp.output).toContain('mirrors every ask priced at or below <limit>')
    expect(buybotHelp.modules.filter((m) => HEAVY.test(m))).toEqual([])
    for (const args of [
      ['buybot', 'cheap', '--bootstrap', '/ip4/127.0.0.1/tcp/1'],
      ['buybot', '0', '--bootstrap', '/ip4/127.0.0.1/tcp/1'],
      ['buybot', '0.000001', '--bootstrap', '/ip4/127.0.0.1/tcp/1', '--every', '0'],
      ['proxy', '--bootstrap', '/ip4/127.0.0.1/tcp/1', '--buy-below', '64', '--cheat', 'sometimes'],
      ['proxy', '--bootstrap', '/ip4/127.0.0.1/tcp/1', '--buy-below', 'lots'],
    ]) {
      const r = await run(args)
      expect(r.code).toBe(2)
    }
    for (const [flag, value] of [
      ['--hops', '4'],
      ['--hops', '3,3'],
      ['--warm', '0'],
      ['--warm', '9'],
    ] as const) {
      const r = await run(['proxy', '--bootstrap', '/ip4/127.0.0.1/tcp/1', flag, value])
      expect(r.code).toBe(2)
      expect(r.err).toContain(`${flag} ${value}`)
    }
  }, 60_000)

  it('the groups list their subcommands', async () => {
    expect(listedCommands((await run(['wallet', '--help'])).out)).toEqual([
      'create',
      'address',
      'balance',
      'send',
      'history',
      'sweep-child',
    ])
    expect(listedCommands((await run(['ledger', '--help'])).out)).toEqual([
      'balance',
      'blocks',
      'verify',
      'crawl',
    ])
    expect(listedCommands((await run(['network', '--help'])).out)).toEqual(['status', 'peers'])
  })

  it('building the command tree loads no heavy module (no libp2p, ssh2, bitcoinjs, pino, cheerio)', async () => {
    const dir = await tempDir()
    const script = join(dir, 'build.mjs')
    await writeFile(
      script,
      [
        `const { buildPlebnetProgram } = await import(${JSON.stringify(PROGRAM)})`,
        "const program = buildPlebnetProgram({ out: () => {}, err: () => {} }, { home: '/tmp' })",
        "process.stdout.write(program.commands.map((c) => c.name()).join(','))",
      ].join('\n'),
    )
    const { output, modules } = await loadedModules(script, [])
    expect(output.split(',')).toEqual(COMMANDS)
    expect(modules.some((m) => m.endsWith('/cli/program.ts'))).toBe(true)
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([])
  }, 30_000)

  it('`plebnet --help` and `plebnet status` load no heavy module; `wallet` does load its work', async () => {
    const help = await loadedModules(BIN, ['--help'])
    expect(help.output).toContain('create-child')
    expect(help.modules.filter((m) => HEAVY.test(m))).toEqual([])
    // Nor a schema library: zod is 95 modules, a third of --help's start-up when create-child's
    // argument parser pulled it in through the child record.
    expect(help.modules.filter((m) => /node_modules\/zod\//.test(m))).toEqual([])

    // A port nobody listens on: status fetches, parses nothing and fails, having loaded only its own path.
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    await new Promise((resolve) => server.close(resolve))
    const home = await tempDir()
    const status = await loadedModules(BIN, ['--home', home, 'status', '--host', `127.0.0.1:${port}`])
    expect(status.modules.some((m) => m.endsWith('/cli/status-run.ts'))).toBe(true)
    expect(status.modules.filter((m) => HEAVY.test(m))).toEqual([])

    // A daemon that answers: status decodes its document and prints it without loading zod (60 ms
    // of the 300 ms `plebnet status` may take); the document is described with base's decoders.
    const document = {
      format: 'dolly-status',
      version: 1,
      publicKey: 'ab'.repeat(32),
      tree: 'genesis',
      parentTree: null,
      parentPublicKey: null,
      hostIp: '127.0.0.1',
      genome: null,
      testnet: true,
      exitNode: false,
      softwareVersion: '0.1.0',
      startedAtMs: 1,
      heartbeatAtMs: 2,
      heartbeats: 1,
      // The market block (issue 17) decodes without the market package either.
      market: {
        mbBalanceBytes: '1048576',
        orders: [],
        lastTrade: null,
        settlement: null,
        matchmaker: { bids: 0, asks: 0, accepted: 0, refused: 0, matches: 0, dropped: 0 },
      },
    }
    const daemon = createHttpServer((_req, res) => res.end(JSON.stringify(document)))
    await new Promise<void>((resolve) => daemon.listen(0, '127.0.0.1', resolve))
    const daemonAddress = daemon.address()
    const daemonPort = typeof daemonAddress === 'object' && daemonAddress !== null ? daemonAddress.port : 0
    try {
      const answered = await loadedModules(BIN, [
        '--home',
        home,
        'status',
        '--host',
        `127.0.0.1:${daemonPort}`,
      ])
      expect(answered.output).toContain('agent genesis')
      expect(answered.output).toContain('market: 1.00 MB')
      expect(
        answered.modules.filter(
          (m) => HEAVY.test(m) || /node_modules\/zod\//.test(m) || /packages\/market\/src\//.test(m),
        ),
      ).toEqual([])
    } finally {
      await new Promise((resolve) => daemon.close(resolve))
    }

    // The check can fail: a command that needs the wallet loads it.
    const wallet = await loadedModules(BIN, ['--home', home, 'wallet', 'balance'])
    expect(wallet.modules.some((m) => /node_modules\/bitcoinjs-lib\//.test(m))).toBe(true)
  }, 60_000)

  it("`plebnet daemon` loads the overlay but none of the tick's work until a tick needs it (issue 15: idle memory)", async () => {
    const home = join(await tempDir(), 'home')
    await promisify(execFile)(process.execPath, [BIN, '--home', home, 'setup', '--testnet', '--no-service'])
    const listen = ['--status-listen', '127.0.0.1:0', '--gossip-listen', '127.0.0.1:0']
    const daemon = await loadedModules(BIN, ['--home', home, 'daemon', '--once', ...listen])
    // It started (overlay, ledger, tunnels, status API), so the list below is not vacuous.
    expect(daemon.modules.some((m) => /node_modules\/libp2p\//.test(m))).toBe(true)
    expect(daemon.modules.some((m) => m.endsWith('/tunnels/adapters/tunnel-component.ts'))).toBe(true)
    // No wallet, no shop drivers (cheerio, undici), no ssh2: the agent's tick opens them when it first runs.
    const TICK_WORK =
      /node_modules\/(ssh2|bitcoinjs-lib|bip32|bip39|ecpair|tiny-secp256k1|cheerio|undici|tough-cookie)\/|packages\/(wallet|cloudomate)\/src\/index\.ts$|\/lifecycle\/adapters\/agent-runtime\.ts$/
    expect(daemon.modules.filter((m) => TICK_WORK.test(m))).toEqual([])
  }, 60_000)
})
