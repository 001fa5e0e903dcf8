import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  activateScript,
  agentTreeScript,
  appendCommand,
  authorizeKeyScript,
  bundleStateScript,
  claimScript,
  dropPartScript,
  fetchReleaseScript,
  hardenScript,
  partPath,
  passwordLoginScript,
  setupScript,
  streamCommand,
  unpackScript,
  writeFileScript,
} from './remote-scripts.ts'
import { shellQuote } from './shell-quote.ts'
import { vpnUpScript, whoamiScript } from './vpn-scripts.ts'

const sha = 'ab'.repeat(32)

describe('remote scripts', () => {
  it.each([
    ['claim', claimScript()],
    ['authorize', authorizeKeyScript()],
    ['harden', hardenScript()],
    ['password-login', passwordLoginScript()],
    ['bundle-state', bundleStateScript('v1', 'b1')],
    ['drop', dropPartScript('b1')],
    ['append', appendCommand(partPath('b1'))],
    ['stream', streamCommand(partPath('b1'), 'v1')],
    ['fetch-release', fetchReleaseScript('r.tar.gz', { url: "http://x/it's", sha256: sha })],
    ['unpack', unpackScript('v1', 'b1', sha)],
    ['unpack release', unpackScript('v1-r', 'b1', sha, 'r.tar.gz')],
    ['activate', activateScript('v1')],
    ['agent-tree', agentTreeScript()],
    ['write-file', writeFileScript("/root/a b'c", '600')],
    ['setup', setupScript(['--testnet'])],
    ['vpn', vpnUpScript('10.77.1.2', 'own_wg.conf')],
    ['whoami', whoamiScript('http://10.78.1.1:8080/')],
  ])('%s is valid bash', (_name, text) => {
    const check = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' })
    expect(check.stderr).toBe('')
    expect(check.status).toBe(0)
  })

  it('quotes any string as one bash word', () => {
    for (const value of ["it's", 'a b', '$(rm -rf /)', '`x`', '"q"', '\\', '']) {
      const echoed = spawnSync('bash', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' })
      expect(echoed.stdout).toBe(value)
    }
  })

  it('never puts a secret on a command line: keys and passwords come from stdin', () => {
    expect(authorizeKeyScript()).toContain('read -r key')
    expect(hardenScript()).toContain('read -r pw')
  })
})
