/**
 * Pure renderers of what goes into a host before it boots: the init script PID 1 runs, the sshd
 * configuration, and the host's own copies of /etc/shadow, /etc/hostname and /etc/hosts.
 */
import { HOST_PATH, RUN_SIZE_MIB, SSHD_PATH, TMP_SIZE_MIB } from './constants.ts'

/** Quotes `value` for a POSIX shell: single quotes, with embedded quotes closed and escaped. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

/** What the init script needs to know. */
export interface InitPlan {
  readonly hostname: string
  /** The host's layer directory on the machine (holds rootfs/, upper/, work/). */
  readonly layerDir: string
  /** Machine directories mounted copy-on-write at the same path in the host (e.g. `usr`). */
  readonly overlayDirs: readonly string[]
}

/** Device nodes bind-mounted from the machine into the host's private /dev (tun for WireGuard). */
const DEV_NODES = ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'net/tun'] as const

/**
 * The bash script the host's PID 1 runs inside fresh PID, mount, UTS and IPC namespaces (already in
 * the host's network namespace): it builds the root from per-directory overlays, private /tmp, /run,
 * /dev, /proc and /sys, pivots into it, starts sshd and then only reaps orphans.
 *
 * Overlays are per directory because overlayfs refuses a lower layer that contains the upper layer,
 * and the layers live on the machine's own root filesystem.
 */
export function renderInitScript(plan: InitPlan): string {
  const q = shellQuote
  const lines: string[] = [
    'set -euo pipefail',
    `export PATH=${q(HOST_PATH)}`,
    `L=${q(plan.layerDir)}`,
    'R="$L/rootfs"',
    `hostname ${q(plan.hostname)}`,
    'mount --bind "$R" "$R"',
  ]
  for (const dir of plan.overlayDirs) {
    lines.push(
      `mount -t overlay overlay -o ${q(`lowerdir=/${dir},upperdir=`)}"$L/upper/${dir}"${q(',workdir=')}"$L/work/${dir}" "$R/${dir}"`,
    )
  }
  lines.push(
    `mount -t tmpfs -o mode=1777,nosuid,nodev,size=${TMP_SIZE_MIB}m tmpfs "$R/tmp"`,
    `mount -t tmpfs -o mode=755,nosuid,nodev,size=${RUN_SIZE_MIB}m tmpfs "$R/run"`,
    'mount -t tmpfs -o mode=755,nosuid,size=1m tmpfs "$R/dev"',
    'mkdir -p "$R/dev/net" "$R/dev/pts" "$R/dev/shm"',
  )
  // Conditional: a machine without a node (no /dev/net/tun in some containers) still gets hosts,
  // they just cannot run WireGuard.
  for (const node of DEV_NODES) {
    lines.push(
      `if [ -e /dev/${node} ]; then touch "$R/dev/${node}"; mount --bind /dev/${node} "$R/dev/${node}"; fi`,
    )
  }
  lines.push(
    'mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"',
    'ln -s pts/ptmx "$R/dev/ptmx"',
    'ln -s /proc/self/fd "$R/dev/fd"',
    'ln -s /proc/self/fd/0 "$R/dev/stdin"',
    'ln -s /proc/self/fd/1 "$R/dev/stdout"',
    'ln -s /proc/self/fd/2 "$R/dev/stderr"',
    'mount -t tmpfs -o mode=1777,nosuid,nodev,size=64m tmpfs "$R/dev/shm"',
    'mount -t proc proc "$R/proc"',
    'mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"',
    'mkdir -p "$R/.oldroot"',
    'cd "$R"',
    'pivot_root . .oldroot',
    'cd /',
    'umount -l /.oldroot',
    'rmdir /.oldroot',
    'mkdir -p /run/sshd && chmod 0755 /run/sshd',
    `${SSHD_PATH} -D -e -f /etc/ssh/sshd_config &`,
    // bash as PID 1 reaps every orphan in its SIGCHLD handler; `sleep infinity` keeps `wait` blocked
    // so PID 1 (and the host with it) lives on if sshd dies. `exec` swaps the long setup script for
    // this short loop so `ps` in the host shows a tidy PID 1.
    `exec -a dolly-init bash -c ${q("trap '' TERM INT HUP; sleep infinity & while true; do wait || true; done")}`,
  )
  return `${lines.join('\n')}\n`
}

/** sshd configuration of a host: root may log in with its password, on the host's own address only. */
export function renderSshdConfig(ip: string): string {
  return [
    '# Written by the Dollynator world host provisioner.',
    'Port 22',
    `ListenAddress ${ip}`,
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'HostKey /etc/ssh/ssh_host_ecdsa_key',
    'PermitRootLogin yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    // No PAM inside a namespace host: sshd then checks /etc/shadow itself, and no session modules
    // (systemd-logind, loginuid) that a container cannot satisfy get in the way.
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'PidFile /run/sshd.pid',
    // Agents open several sessions at once while installing a child (SFTP push plus commands).
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    'AcceptEnv LANG LC_*',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n')
}

/**
 * The host's /etc/shadow: the machine's file with root's hash replaced by `rootHash` and every other
 * account locked (`*`), so no machine password works inside a host.
 */
export function renderShadow(machineShadow: string, rootHash: string): string {
  const out: string[] = []
  let sawRoot = false
  for (const line of machineShadow.split('\n')) {
    if (line.trim() === '') continue
    const fields = line.split(':')
    if (fields.length < 2) continue
    if (fields[0] === 'root') {
      sawRoot = true
      fields[1] = rootHash
    } else {
      fields[1] = '*'
    }
    out.push(fields.join(':'))
  }
  if (!sawRoot) out.unshift(`root:${rootHash}:20000:0:99999:7:::`)
  return `${out.join('\n')}\n`
}

/** The host's /etc/hosts: localhost plus its own name on its own address. */
export function renderEtcHosts(hostname: string, ip: string): string {
  return `127.0.0.1\tlocalhost\n${ip}\t${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`
}
