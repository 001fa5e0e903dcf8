import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { renderEtcHosts, renderInitScript, renderShadow, renderSshdConfig, shellQuote } from './host-files.ts'

describe('shellQuote', () => {
  it.each(['plain', "it's", '$(rm -rf /)', 'a b\tc', "'", ''])(
    'round-trips %j through a real shell',
    (value) => {
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value)
    },
  )
})

describe('renderShadow', () => {
  const machine =
    'root:$6$machine$hash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nalice:$6$x$y:19000:0:99999:7:::\n'

  it("replaces root's hash and locks every other account", () => {
    expect(renderShadow(machine, '$6$salt$new')).toBe(
      'root:$6$salt$new:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nalice:*:19000:0:99999:7:::\n',
    )
  })

  it('adds a root entry when the machine has none', () => {
    expect(renderShadow('daemon:*:1:0:99999:7:::\n', '$6$s$h').split('\n')[0]).toBe(
      'root:$6$s$h:20000:0:99999:7:::',
    )
  })
})

describe('renderSshdConfig', () => {
  it('listens on the host address only and lets root in with a password', () => {
    const config = renderSshdConfig('10.77.3.5')
    expect(config).toContain('ListenAddress 10.77.3.5\n')
    expect(config).toContain('PermitRootLogin yes\n')
    expect(config).toContain('PasswordAuthentication yes\n')
    expect(config).not.toContain('Include')
  })
})

describe('renderEtcHosts', () => {
  it('maps the hostname to the host address', () => {
    expect(renderEtcHosts('alpha', '10.77.3.5')).toContain('10.77.3.5\talpha\n')
  })
})

describe('renderInitScript', () => {
  const script = renderInitScript({
    hostname: 'alpha',
    layerDir: '/tmp/state/host-layers/dolly3h5',
    overlayDirs: ['usr', 'etc'],
  })

  it('is valid bash', () => {
    expect(() => execFileSync('bash', ['-n', '-c', script])).not.toThrow()
  })

  it('mounts one overlay per directory, private /tmp and /proc, then pivots before starting sshd', () => {
    const lines = script.split('\n')
    const at = (re: RegExp): number => lines.findIndex((l) => re.test(l))
    expect(lines.filter((l) => l.startsWith('mount -t overlay'))).toHaveLength(2)
    expect(at(/lowerdir=\/usr,upperdir=/)).toBeGreaterThan(0)
    expect(at(/tmpfs "\$R\/tmp"/)).toBeGreaterThan(0)
    expect(at(/^mount -t proc/)).toBeLessThan(at(/^pivot_root/))
    expect(at(/^pivot_root/)).toBeLessThan(at(/sshd -D/))
    expect(lines.at(-2)).toMatch(/^exec -a dolly-init /)
  })
})
