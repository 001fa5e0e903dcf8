import { access, constants } from 'node:fs/promises'
import { HOST_PATH, REQUIRED_TOOLS, SSHD_PATH } from '../constants.ts'
import { HostsError } from '../errors.ts'

/**
 * Refuses to go on unless this is Linux and we are root: namespace hosts need both, and a fake host
 * would let a test pass that the real world fails.
 */
export function assertHostsSupported(): void {
  if (process.platform !== 'linux') {
    throw new HostsError(
      'WORLD_HOSTS_NOT_LINUX',
      `world hosts need Linux namespaces; this is ${process.platform}`,
      {
        platform: process.platform,
      },
    )
  }
  const uid = process.getuid?.()
  if (uid !== 0) {
    throw new HostsError(
      'WORLD_HOSTS_NOT_ROOT',
      `world hosts need root (network namespaces, mounts, veth links); running as uid ${String(uid)}: run as root`,
      {
        uid,
      },
    )
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Checks the machine has every tool the provisioner runs; throws `WORLD_HOSTS_TOOL_MISSING` naming them. */
export async function assertToolsPresent(): Promise<void> {
  const dirs = HOST_PATH.split(':')
  const missing: string[] = []
  for (const tool of REQUIRED_TOOLS) {
    const found = await Promise.all(dirs.map((d) => isExecutable(`${d}/${tool}`)))
    if (!found.includes(true)) missing.push(tool)
  }
  if (!(await isExecutable(SSHD_PATH))) missing.push(SSHD_PATH)
  if (missing.length > 0) {
    throw new HostsError(
      'WORLD_HOSTS_TOOL_MISSING',
      `missing ${missing.join(', ')}: run 'bash scripts/setup.sh'`,
      { missing },
    )
  }
}
