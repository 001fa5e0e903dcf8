import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import {
  DAEMON_GLIBC_TUNABLES,
  DAEMON_NODE_OPTIONS,
  renderCronEntry,
  renderSystemdUnit,
  renderWatchdog,
  type ServicePlan,
} from './service-files.ts'

const plan: ServicePlan = {
  command: ['/usr/local/bin/plebnet'],
  home: '/root/.config/plebnet',
  logPath: '/root/plebnet.log',
  watchdogPath: '/opt/plebnet/watchdog.sh',
  lockPath: '/opt/plebnet/watchdog.lock',
}

describe('service files', () => {
  it('writes a unit that restarts the daemon always (AGENT.md §2)', () => {
    const unit = renderSystemdUnit(plan)
    expect(unit).toContain('ExecStart=/usr/local/bin/plebnet --home /root/.config/plebnet daemon')
    expect(unit).toContain('Restart=always')
    // The daemon's V8 options (a small young generation, bench/agent) come with it.
    expect(unit).toContain(`Environment=NODE_OPTIONS=${DAEMON_NODE_OPTIONS}\n`)
    // And its malloc tunables (two arenas, big buffers mmapped: bench/tunnels' relaying RSS).
    expect(unit).toContain(`Environment=GLIBC_TUNABLES=${DAEMON_GLIBC_TUNABLES}\n`)
    expect(unit).toContain('WantedBy=multi-user.target')
  })

  it('writes a valid single-instance watchdog and a cron @reboot entry for it', () => {
    const watchdog = renderWatchdog(plan)
    expect(spawnSync('bash', ['-n'], { input: watchdog }).status).toBe(0)
    expect(watchdog).toContain('flock -n 9 || exit 0')
    expect(watchdog).toContain(
      `NODE_OPTIONS='${DAEMON_NODE_OPTIONS}' GLIBC_TUNABLES='${DAEMON_GLIBC_TUNABLES}' '/usr/local/bin/plebnet' '--home' '/root/.config/plebnet' 'daemon'`,
    )
    expect(renderCronEntry(plan)).toContain("@reboot root '/opt/plebnet/watchdog.sh'")
  })
})
