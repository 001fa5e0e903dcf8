import { describe, expect, it } from 'vitest'
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
  it("drops the parent's secrets, resets runtime flags, keeps the rest, and gives the child its own passphrase", () => {
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

      [custom]
      kept = yes
      "
    `)
  })

  it('keeps shareable credentials when install.share_secrets is 1, but never the wallet passphrase', () => {
    const out = sanitizeConfig(PARENT.replace('share_secrets = 0', 'share_secrets = 1'), 'c')
    expect(out).toContain('token = ghp_secret')
    expect(out).toContain('smtp_password = s3cret')
    expect(out).not.toContain('parent-pass')
  })

  it('adds a wallets section to a config without one', () => {
    expect(sanitizeConfig('', 'pw')).toBe('[wallets]\npassword = pw\n')
    expect(sanitizeConfig('[wallets]\ntestnet = 0\n', 'pw')).toBe('[wallets]\ntestnet = 0\npassword = pw\n')
  })
})
