import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { DollyError } from './errors.ts'
import { createMemoryLogger, REDACTED, redactFields } from './logger.ts'
import { createPinoLogger } from './adapters/pino-logger.ts'
import { createVirtualClock } from './virtual-clock.ts'

describe('redactFields', () => {
  it('redacts secret-named keys at any depth and stringifies bigints', () => {
    const out = redactFields({
      amountSats: 41000n,
      mnemonic: 'abandon abandon',
      nested: { rootPassword: 'hunter2', provider: 'linevast', deeper: [{ xprv: 'tprv8…' }] },
      passphrase: 'x',
      privateKey: 'k',
      seed: 'ab',
      tokensMb: 12,
    })
    expect(out).toEqual({
      amountSats: '41000',
      mnemonic: REDACTED,
      nested: { rootPassword: REDACTED, provider: 'linevast', deeper: [{ xprv: REDACTED }] },
      passphrase: REDACTED,
      privateKey: REDACTED,
      seed: REDACTED,
      tokensMb: 12,
    })
  })
})

describe('redactFields by normalised name', () => {
  it('redacts tokens, keys, cookies, authorization and the rest whatever their case or separators', () => {
    const secretNames = [
      'token',
      'Token',
      'githubToken',
      'access_token',
      'apiKey',
      'api_key',
      'API-KEY',
      'x-api-key',
      'X-Api-Key',
      'key',
      'KEY',
      'sshKey',
      'anticaptcha_accountkey',
      'cookie',
      'Cookie',
      'set-cookie',
      'Set-Cookie',
      'authorization',
      'Authorization',
      'proxy-authorization',
      'rpcpassword',
      'RPCPASSWORD',
      'rpc_password',
      'Password',
      'smtp_password',
      'passphrase',
      'mnemonic',
      'seed',
      'walletSeed',
      'secret',
      'client_secret',
      'private',
      'privateKeyHex',
      'priv_key',
      'xprv',
      'wif',
      'credentials',
    ]
    const out = redactFields(Object.fromEntries(secretNames.map((k) => [k, 'hunter2'])))
    for (const k of secretNames) expect(out[k], k).toBe(REDACTED)
  })

  it('keeps fields that only look similar', () => {
    const fields = {
      tokensMb: 12,
      publicKey: 'ab',
      clientPublicKey: 'cd',
      hostKeyFingerprint: 'SHA256:x',
      provider: 'linevast',
      offerId: 'linevast_basic',
      seeds: 2,
      keyIndex: 3,
    }
    expect(redactFields(fields)).toEqual(fields)
  })
})

describe('scrubbing secrets from logged errors and strings', () => {
  it('scrubs URL userinfo, password= fragments and Authorization headers from error messages and details', () => {
    const err = new DollyError(
      'WALLET_BACKEND_DOWN',
      'POST http://dolly:s3cretrpc@10.77.1.1:18443/ failed; config had rpcpassword=s3cretini and Authorization: Bearer tok.en.value',
      {
        url: 'https://user:pa55word@shop.example/clientarea.php?password=qs-secret&x=1',
        ini: '[wallets]\nPassword = inisecret\n[github]\ntoken: ghp_abcdef',
        header: 'authorization: Basic dXNlcjpwYXNz',
        json: '{"password":"jsonsecret","amount":5}',
      },
      { cause: new Error('fetch http://admin:causesecret@host/ refused') },
    )
    const log = createMemoryLogger()
    log.error('chain.down', { err, message: err.message })
    const text = JSON.stringify(log.entries)
    for (const secret of [
      's3cretrpc',
      's3cretini',
      'tok.en.value',
      'pa55word',
      'qs-secret',
      'inisecret',
      'ghp_abcdef',
      'dXNlcjpwYXNz',
      'jsonsecret',
      'causesecret',
    ])
      expect(text, secret).not.toContain(secret)
    const logged = log.entries[0]?.fields['err'] as Record<string, unknown>
    expect(logged['code']).toBe('WALLET_BACKEND_DOWN')
    expect(logged['message']).toContain('POST http://')
    expect(logged['message']).toContain('10.77.1.1:18443')
    expect((logged['details'] as Record<string, unknown>)['json']).toContain('"amount":5')
  })
})

describe('scrubbing long strings', () => {
  it('scrubs a logged megabyte (a hex dump, a long URL) in linear time: the test timeout is the bound', () => {
    const hex = 'ab12'.repeat(250_000)
    const out = redactFields({ rawTx: `${hex} password=hunter2`, url: `http://${'a'.repeat(1_000_000)}` })
    expect(out['rawTx']).toBe(`${hex} password=${REDACTED}`)
    expect(String(out['url']).length).toBe(1_000_007)
  })
})

describe('loggers', () => {
  it('memory logger records events with clock time and bound fields', () => {
    const clock = createVirtualClock(123)
    const log = createMemoryLogger(() => clock.nowMs())
    log.child({ component: 'wallet' }).info('wallet.paid', { amountSats: 5n, password: 'p' })
    expect(log.entries).toEqual([
      {
        level: 'info',
        event: 'wallet.paid',
        timeMs: 123,
        fields: { component: 'wallet', amountSats: '5', password: REDACTED },
      },
    ])
  })

  it('pino logger writes one JSON line per event with the injected clock time and no secrets', () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString())
        cb()
      },
    })
    const log = createPinoLogger({ clock: createVirtualClock(5_000) }, { destination: sink, level: 'info' })
    log.debug('hidden.event')
    log.child({ agent: 'a1', seed: 's' }).warn('purchase.paid', { amountSats: 41000n, passphrase: 'x' })
    expect(lines).toHaveLength(1)
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(entry).toMatchObject({
      level: 40,
      time: 5000,
      agent: 'a1',
      seed: REDACTED,
      event: 'purchase.paid',
      amountSats: '41000',
      passphrase: REDACTED,
    })
  })
})
