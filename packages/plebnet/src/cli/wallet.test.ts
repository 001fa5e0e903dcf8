import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PLEBNET_CLI_EXIT_STATUS } from './exit-status.ts'
import { Command } from 'commander'
import { createSeededRng, createVirtualClock, runCli, type CliIo } from '@dolly/base'
import {
  createMemoryChain,
  deriveAccount,
  deriveAddress,
  deriveChildRoot,
  networkParams,
  readKeystoreFile,
  unlockKeystore,
  validateAddress,
  type MemoryChain,
} from '@dolly/wallet'
import { registerWalletCommands } from './wallet.ts'

const world = networkParams('world')

function harness(chain: MemoryChain, env: Record<string, string>) {
  return async (...argv: string[]) => {
    const out: string[] = []
    const err: string[] = []
    const io: CliIo = { out: (t) => void out.push(t), err: (t) => void err.push(t) }
    const program = new Command('plebnet').option('--home <dir>')
    registerWalletCommands(program, io, {
      env,
      clock: createVirtualClock(1_700_000_000_000),
      rng: createSeededRng(argv.join(' ')),
      chainFor: async () => ({ chain, display: 'memory', close: () => undefined }),
      prompt: async () => undefined,
      kdf: { n: 1024, r: 8, p: 1 },
    })
    const code = await runCli(program, argv, io, PLEBNET_CLI_EXIT_STATUS)
    return { code, out: out.join('\n'), err: err.join('\n') }
  }
}

describe('plebnet wallet', () => {
  let dir: string
  let chain: MemoryChain
  let cli: ReturnType<typeof harness>
  const fund = (address: string, sats: bigint) => {
    chain.fund(Buffer.from(validateAddress(address, world).script).toString('hex'), sats)
    chain.mine(1)
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plebnet-wallet-cli-'))
    chain = createMemoryChain({ network: world })
    cli = harness(chain, { PLEBNET_WALLET_PASSPHRASE: 'test passphrase' })
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('creates, funds, sends 0.3 to a second wallet, and both balances are exact with the fee shown', async () => {
    const a = join(dir, 'a')
    const b = join(dir, 'b')
    expect((await cli('--home', a, 'wallet', 'create')).code).toBe(0)
    expect((await stat(join(a, 'wallet.json'))).mode & 0o777).toBe(0o600)
    expect((await cli('--home', b, 'wallet', 'create', '--json')).code).toBe(0)
    const addressA = (await cli('--home', a, 'wallet', 'address')).out.trim()
    expect(addressA).toMatch(/^rltc1q/)
    fund(addressA, 100_000_000n)
    expect((await cli('--home', a, 'wallet', 'balance')).out).toMatchInlineSnapshot(`
      "balance: 1.00000000 BTC
        confirmed       1.00000000
        spendable       1.00000000
        pending change  0.00000000"
    `)
    const addressB = JSON.parse((await cli('--home', b, 'wallet', 'address', '--json')).out) as {
      address: string
    }
    const sent = await cli(
      '--home',
      a,
      'wallet',
      'send',
      addressB.address,
      '0.3',
      '--purpose',
      'demo',
      '--json',
    )
    expect(sent.code).toBe(0)
    const payment = JSON.parse(sent.out) as { feeSats: string; state: string; purpose: string }
    expect(payment).toMatchObject({ state: 'broadcast', purpose: 'demo' })
    chain.mine(1)
    const fee = BigInt(payment.feeSats)
    const balanceA = JSON.parse((await cli('--home', a, 'wallet', 'balance', '--json')).out) as {
      totalSats: string
    }
    const balanceB = JSON.parse((await cli('--home', b, 'wallet', 'balance', '--json')).out) as {
      totalSats: string
    }
    expect(BigInt(balanceA.totalSats)).toBe(70_000_000n - fee)
    expect(BigInt(balanceB.totalSats)).toBe(30_000_000n)
    const history = await cli('--home', a, 'wallet', 'history')
    expect(history.out).toContain(
      `sent     0.30000000 BTC fee 0.${fee.toString().padStart(8, '0')} to ${addressB.address} [confirmed] demo`,
    )
  })

  it('accepts a BIP21 URI carrying the amount', async () => {
    const a = join(dir, 'a')
    await cli('--home', a, 'wallet', 'create')
    fund((await cli('--home', a, 'wallet', 'address')).out.trim(), 10_000_000n)
    const to = (await cli('--home', a, 'wallet', 'address')).out.trim()
    const sent = await cli('--home', a, 'wallet', 'send', `bitcoin:${to}?amount=0.01&label=Self`, '--json')
    expect(JSON.parse(sent.out)).toMatchObject({ amountSats: '1000000', toAddress: to })
  })

  it.each([
    [['0.123456789'], 2, 'BASE_AMOUNT_TOO_PRECISE'],
    [['1'], 1, 'WALLET_INSUFFICIENT_FUNDS'],
    [[], 2, 'WALLET_AMOUNT_INVALID'],
  ])('send with amount %j exits %i with %s and pays nothing', async (amount, exit, code) => {
    const a = join(dir, 'a')
    await cli('--home', a, 'wallet', 'create')
    fund((await cli('--home', a, 'wallet', 'address')).out.trim(), 10_000_000n)
    const to = (await cli('--home', a, 'wallet', 'address')).out.trim()
    const result = await cli('--home', a, 'wallet', 'send', to, ...amount)
    expect(result.code).toBe(exit)
    expect(result.err).toContain(code)
    expect((await cli('--home', a, 'wallet', 'history')).out).not.toContain('sent ')
  })

  it('refuses an address of another network with exit 2', async () => {
    const a = join(dir, 'a')
    await cli('--home', a, 'wallet', 'create')
    const result = await cli(
      '--home',
      a,
      'wallet',
      'send',
      'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
      '0.1',
      '--json',
    )
    expect(result.code).toBe(2)
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: 'WALLET_ADDRESS_WRONG_NETWORK' } })
  })

  it('refuses to create over an existing wallet, and needs a passphrase to create or send', async () => {
    const a = join(dir, 'a')
    await cli('--home', a, 'wallet', 'create')
    expect((await cli('--home', a, 'wallet', 'create')).err).toContain('WALLET_KEYSTORE_EXISTS')
    const noPass = harness(chain, {})
    const result = await noPass('--home', join(dir, 'c'), 'wallet', 'create')
    expect(result.code).toBe(1)
    expect(result.err).toContain('WALLET_KEYSTORE_PASSPHRASE_MISSING')
    const wrong = await harness(chain, { PLEBNET_WALLET_PASSPHRASE: 'wrong' })(
      '--home',
      a,
      'wallet',
      'send',
      (await cli('--home', a, 'wallet', 'address')).out.trim(),
      '0.1',
    )
    expect(wrong.err).toContain('WALLET_KEYSTORE_WRONG_PASSPHRASE')
  })

  it('sweeps a child’s coins back with sweep-child', async () => {
    const a = join(dir, 'a')
    await cli('--home', a, 'wallet', 'create')
    // The child's address, derived the way the parent derives it for the hand-over.
    const unlocked = await unlockKeystore(await readKeystoreFile(join(a, 'wallet.json')), 'test passphrase')
    const childAddress = deriveAddress(
      deriveAccount(deriveChildRoot(unlocked.root, 2), world),
      world,
      0,
      0,
    ).address
    fund(childAddress, 5_000_000n)
    const swept = await cli('--home', a, 'wallet', 'sweep-child', '2', '--json')
    expect(swept.code).toBe(0)
    const payment = JSON.parse(swept.out) as { amountSats: string; feeSats: string }
    expect(BigInt(payment.amountSats) + BigInt(payment.feeSats)).toBe(5_000_000n)
    chain.mine(1)
    expect(JSON.parse((await cli('--home', a, 'wallet', 'balance', '--json')).out)).toMatchObject({
      totalSats: payment.amountSats,
    })
    expect((await cli('--home', a, 'wallet', 'sweep-child', 'x')).code).toBe(2)
  })
})
