/**
 * How the daemon is kept running on a child (DESIGN.md §4): a systemd unit where systemd runs,
 * otherwise a cron `@reboot` entry plus a watchdog. Pure renderers; the service adapter writes them.
 */

/** What the service runs. */
export interface ServicePlan {
  /** argv prefix of the agent (`/usr/local/bin/plebnet`, or node plus the entry script). */
  readonly command: readonly string[]
  /** Agent home passed as `--home`. */
  readonly home: string
  /** Log file the daemon's output is appended to. */
  readonly logPath: string
  /** The watchdog script's path and its lock file. */
  readonly watchdogPath: string
  readonly lockPath: string
}

/** Seconds the watchdog waits before restarting a daemon that exited (systemd's RestartSec analogue). */
export const WATCHDOG_RESTART_S = 2

/**
 * V8 options of the daemon's Node (as NODE_OPTIONS in the unit and the watchdog). A 1 MB young
 * generation semi-space instead of V8's default of up to 32 MB (measured by bench/agent: the idle
 * daemon's RSS drops by about 40 MB, which V8 otherwise keeps after start-up's garbage; an idle daemon
 * allocates little, so the extra scavenges cost next to no CPU).
 */
export const DAEMON_NODE_OPTIONS = '--max-semi-space-size=1'

/**
 * V8 flags `plebnet daemon` sets on itself when the command starts (NODE_OPTIONS accepts only a few
 * V8 flags, and these are the daemon's whatever starts it: the unit, the watchdog, a bench, a test).
 * `--optimize-for-size` makes V8 grow the old generation in smaller steps, keep its young generation
 * small and flush unused bytecode sooner. bench/tunnels and an idle daemon (a `--import` sampler of
 * `process.memoryUsage()`, 2026-12-05): idle RSS 109.6–110.1 MB with it, 120.7–121.3 without (old
 * space 23 MB physical instead of 33, bytecode 1.3 MB instead of 1.9). The other flags tried
 * (`--no-maglev`, `--no-opt`, `--max-lazy`, `--single-threaded`, a one-thread V8 pool) saved nothing
 * or cost more.
 */
export const DAEMON_V8_FLAGS = '--optimize-for-size'

/**
 * glibc malloc tunables of the daemon (GLIBC_TUNABLES in the unit and the watchdog; other libcs
 * ignore it). Relaying allocates a few 64 KiB buffers per cell and hop (cipher output, Noise, frame
 * reassembly) that live for microseconds; with glibc's defaults (8 arenas per core) the freed pages
 * stay resident. bench/tunnels, 2026-12-03, peak RSS relaying 96 MiB on 4 circuits: defaults
 * 134–142 MB (idle 116–117); two arenas and buffers from 64 KiB mmapped 131–135 MB (idle 114–115,
 * one run 144 from an idle of 129). An mmap threshold of 16 KiB kept the peak at 124–131 MB and
 * returned to idle after, but cut the daemon's relaying throughput from 12–26 to 3–5 MiB/s (an mmap
 * and page faults per buffer): not used.
 */
export const DAEMON_GLIBC_TUNABLES = 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536'

/** The environment the unit and the watchdog give the daemon (the benches start it with the same). */
export const DAEMON_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_OPTIONS: DAEMON_NODE_OPTIONS,
  GLIBC_TUNABLES: DAEMON_GLIBC_TUNABLES,
})

function shq(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

function daemonArgv(plan: ServicePlan): string[] {
  return [...plan.command, '--home', plan.home, 'daemon']
}

/** `plebnet.service`: Restart=always, as AGENT.md §2 asks of the daemon. */
export function renderSystemdUnit(plan: ServicePlan): string {
  return [
    '[Unit]',
    'Description=Dollynator agent (plebnet daemon)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    `Environment=NODE_OPTIONS=${DAEMON_NODE_OPTIONS}`,
    `Environment=GLIBC_TUNABLES=${DAEMON_GLIBC_TUNABLES}`,
    `ExecStart=${daemonArgv(plan)
      .map((a) => (/[\s"'\\]/.test(a) ? JSON.stringify(a) : a))
      .join(' ')}`,
    'Restart=always',
    'RestartSec=5',
    `StandardOutput=append:${plan.logPath}`,
    `StandardError=append:${plan.logPath}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n')
}

/**
 * The watchdog: one instance per server (flock), restarting the daemon whenever it exits. The daemon
 * does not inherit the lock, so a watchdog started after a crash of the old one can take over.
 */
export function renderWatchdog(plan: ServicePlan): string {
  return [
    '#!/bin/bash',
    '# Written by plebnet setup: keeps `plebnet daemon` running where there is no systemd.',
    `exec 9>>${shq(plan.lockPath)}`,
    'flock -n 9 || exit 0',
    'while true; do',
    `  NODE_OPTIONS=${shq(DAEMON_NODE_OPTIONS)} GLIBC_TUNABLES=${shq(DAEMON_GLIBC_TUNABLES)} ${daemonArgv(plan).map(shq).join(' ')} >> ${shq(plan.logPath)} 2>&1 9>&-`,
    `  echo "$(date -u +%FT%TZ) watchdog: daemon exited with $?, restarting in ${WATCHDOG_RESTART_S} s" >> ${shq(plan.logPath)}`,
    `  sleep ${WATCHDOG_RESTART_S}`,
    'done',
    '',
  ].join('\n')
}

/** `/etc/cron.d/plebnet`: start the watchdog at boot. */
export function renderCronEntry(plan: ServicePlan): string {
  return [
    '# Written by plebnet setup: start the plebnet watchdog at boot.',
    'SHELL=/bin/bash',
    `@reboot root ${shq(plan.watchdogPath)} >/dev/null 2>&1`,
    '',
  ].join('\n')
}
