import { describe, expect, it } from 'vitest'
import { parseIni } from '@dolly/base'
import { sanitizeConfig } from './sanitize-config.ts'

const PARENT = `[irc]
channel = #plebnet123
nick = plebbot4521

[github]
username = someone
password = hunter2
token = ghp_secret
owner = tribler

[wallets]
password = parent-pass
testnet = 1
initiate_once = 1
testnet_created = 1

[vpn]
installed = 1
running = 1
pid = 4242
host = mullvad

[postcard]
smtp_host = mail.example
smtp_password = s3cret
to = me@example.org

[install]
share_secrets = 0

[custom]
kept = yes
`

describe('sanitizeConfig', () => {
  it("drops the parent's secrets and anything not allow-listed, resets runtime flags, and gives the child its own passphrase", () => {
    expect(sanitizeConfig(PARENT, 'child-pass')).toMatchInlineSnapshot(`
      "[irc]
      channel = #plebnet123
      nick = plebbot4521

      [github]
      owner = tribler

      [wallets]
      testnet = 1
      initiate_once = 0
      testnet_created = 0
      password = child-pass

      [vpn]
      installed = 0
      running = 0
      pid = 0
      host = mullvad

      [postcard]
      to = me@example.org

      [install]
      share_secrets = 0
      "
    `)
  })

  it('keeps shareable credentials when install.share_secrets is 1, but never the wallet passphrase', () => {
    const out = sanitizeConfig(PARENT.replace('share_secrets = 0', 'share_secrets = 1'), 'c')
    expect(out).toContain('token = ghp_secret')
    expect(out).toContain('smtp_password = s3cret')
    expect(out).not.toContain('parent-pass')
  })

  it('copies where error reports go (github.api_url), the token only with share_secrets', () => {
    const parent =
      '[github]\nactive = 1\napi_url = http://10.77.1.1:4100\ntoken = tok-abc\n[postcard]\nactive = 1\nsmtp_host = 10.77.1.1\n'
    const kept = parseIni(sanitizeConfig(parent, 'c'))
    expect(kept.get('github')?.get('api_url')).toBe('http://10.77.1.1:4100')
    expect(kept.get('github')?.get('token')).toBeUndefined()
    expect(kept.get('postcard')?.get('smtp_host')).toBeUndefined()
    const shared = parseIni(sanitizeConfig(`${parent}[install]\nshare_secrets = 1\n`, 'c'))
    expect(shared.get('github')?.get('token')).toBe('tok-abc')
    expect(shared.get('postcard')?.get('smtp_host')).toBe('10.77.1.1')
  })

  it('adds a wallets section to a config without one', () => {
    expect(sanitizeConfig('', 'pw')).toBe('[wallets]\npassword = pw\n')
    expect(sanitizeConfig('[wallets]\ntestnet = 0\n', 'pw')).toBe('[wallets]\ntestnet = 0\npassword = pw\n')
  })

  it('reads names case-insensitively, as the child does: no secret passes in another case (issue 14)', () => {
    const parent = [
      '[Wallets]',
      'Password = parent-pass',
      'TESTNET = 1',
      '[GitHub]',
      'token = ghp_case',
      'Owner = tribler',
      '[POSTCARD]',
      'SMTP_PASSWORD = smtp-case',
      'Smtp_User = mailer',
      '[vpn]',
      'Anticaptcha_AccountKey = captcha-key',
      '[Install]',
      'Share_Secrets = 0',
      '',
    ].join('\n')
    const out = sanitizeConfig(parent, 'child-pass')
    for (const secret of ['parent-pass', 'ghp_case', 'smtp-case', 'mailer', 'captcha-key'])
      expect(out, secret).not.toContain(secret)
    const child = parseIni(out)
    expect(child.get('wallets')?.get('password')).toBe('child-pass')
    expect(child.get('wallets')?.get('testnet')).toBe('1')
    expect(child.get('github')?.get('owner')).toBe('tribler')
  })

  it('drops every section and key it does not list, whatever it holds', () => {
    const out = sanitizeConfig(
      [
        '[aws]',
        'secret_access_key = AKIAxxx',
        '[wallets]',
        'recovery_words = abandon abandon',
        '[world]',
        'rpc_password = hunter2',
        'chain_backend = http://agent:agentpw@10.77.1.1:18443/',
        'providers = shop1=http://10.77.1.1:8001',
        '[paths]',
        'PLEBNET_HOME = /root/PlebNet',
        '',
      ].join('\n'),
      'c',
    )
    expect(out).not.toMatch(/AKIA|abandon|hunter2|aws|recovery|PlebNet/)
    const world = parseIni(out).get('world')
    expect(world?.get('chain_backend')).toBe('http://agent:agentpw@10.77.1.1:18443/')
    expect(world?.get('providers')).toBe('shop1=http://10.77.1.1:8001')
  })

  it('passes real mode on: the chain, the rate source and where to buy; account tokens only when shared', () => {
    const parent = [
      '[chain]',
      'backend = esplora+https://blockstream.info/api/',
      '[rates]',
      'source = mempool',
      '[bitlaunch]',
      'url = https://bitlaunch.example/api',
      'token = bl-account-token',
      '[bluecloud]',
      'url = http://10.77.1.1:8001/',
      'password = shop-login',
      '',
    ].join('\n')
    const child = parseIni(sanitizeConfig(parent, 'c'))
    expect(child.get('chain')?.get('backend')).toBe('esplora+https://blockstream.info/api/')
    expect(child.get('rates')?.get('source')).toBe('mempool')
    expect(child.get('bitlaunch')?.get('url')).toBe('https://bitlaunch.example/api')
    expect(child.get('bitlaunch')?.has('token')).toBe(false)
    expect(child.get('bluecloud')?.get('url')).toBe('http://10.77.1.1:8001/')
    expect(child.get('bluecloud')?.has('password')).toBe(false)
    const shared = parseIni(sanitizeConfig(`${parent}[install]\nshare_secrets = 1\n`, 'c'))
    expect(shared.get('bitlaunch')?.get('token')).toBe('bl-account-token')
  })

  it("passes the exit's networks on to a child (issue 16)", () => {
    const child = parseIni(sanitizeConfig('[tunnels]\nexit_networks = 10.99.0.0/16\nother = x\n', 'c'))
    expect(child.get('tunnels')?.get('exit_networks')).toBe('10.99.0.0/16')
    expect(child.get('tunnels')?.has('other')).toBe(false)
  })

  it("passes the family's payout rule on to a child (issue 16)", () => {
    const child = parseIni(sanitizeConfig('[tunnels]\npayout_rule = 2017\n', 'c'))
    expect(child.get('tunnels')?.get('payout_rule')).toBe('2017')
  })

  it('refuses a malformed parent config instead of guessing what it holds', () => {
    expect(() => sanitizeConfig('[wallets]\npassword = a\nPASSWORD = b\n', 'c')).toThrow(
      expect.objectContaining({ code: 'LIFECYCLE_CONFIG_INVALID' }),
    )
  })
})
