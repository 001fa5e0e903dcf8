import { randomBytes } from 'node:crypto'
import {
  chmod,
  chown,
  copyFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  realpath,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'
import { EMPTY_DIRS, OVERLAY_DIRS } from '../constants.ts'
import { HostsError } from '../errors.ts'
import { renderEtcHosts, renderSshdConfig, renderShadow } from '../host-files.ts'
import { isPathInside } from '../naming.ts'
import { runChecked } from './run.ts'

/** What a host's layer is built from. */
export interface LayerSpec {
  readonly layerDir: string
  readonly hostname: string
  readonly ip: string
  readonly rootPassword: string
}

/** Overlay options are comma- and colon-separated, so a layer path must not contain them. */
const SAFE_LAYER_PATH_RE = /^\/[A-Za-z0-9._/+@=-]+$/

/**
 * Refuses a layer directory overlayfs cannot use: one inside a directory the host sees copy-on-write
 * (the host's root would contain its own layers) or one whose path breaks the mount options.
 */
export async function assertUsableLayersDir(layersDir: string): Promise<void> {
  if (!SAFE_LAYER_PATH_RE.test(layersDir)) {
    throw new HostsError(
      'WORLD_HOSTS_INVALID_OPTION',
      `state directory ${layersDir} must be an absolute path of letters, digits and ._/+@=- only (it goes into overlayfs mount options)`,
      {
        layersDir,
      },
    )
  }
  for (const name of OVERLAY_DIRS) {
    let real: string
    try {
      const info = await lstat(`/${name}`)
      if (!info.isDirectory()) continue
      real = await realpath(`/${name}`)
    } catch {
      continue
    }
    if (isPathInside(layersDir, real)) {
      throw new HostsError(
        'WORLD_HOSTS_LAYER_OVERLAP',
        `state directory ${layersDir} lies inside /${name}, which every host sees copy-on-write; use one outside ${OVERLAY_DIRS.map((d) => `/${d}`).join(', ')} (e.g. under /tmp or the repository)`,
        {
          layersDir,
          overlayDir: `/${name}`,
        },
      )
    }
  }
}

/** Hashes the root password as SHA-512 crypt (`$6$`, what Debian's /etc/shadow uses) with a fresh salt. */
async function hashPassword(password: string): Promise<string> {
  // stdin, not argv: a password in argv is visible to every process on the machine.
  const hash = (await runChecked(['openssl', 'passwd', '-6', '-stdin'], { input: `${password}\n` })).trim()
  if (!hash.startsWith('$6$'))
    throw new HostsError('WORLD_HOSTS_COMMAND_FAILED', 'openssl passwd -6 printed no SHA-512 crypt hash')
  return hash
}

/**
 * Hides machine files from a host: an overlayfs whiteout (a 0/0 character device in the upper layer)
 * per entry of `/etc/<relDir>` that `hide` selects. The directory itself stays, empty of them.
 */
async function whiteOut(upperEtc: string, relDir: string, hide: (name: string) => boolean): Promise<void> {
  let names: string[]
  try {
    names = await readdir(join('/etc', relDir))
  } catch {
    return
  }
  const selected = names.filter(hide)
  if (selected.length === 0) return
  await mkdir(join(upperEtc, relDir), { recursive: true })
  for (const name of selected) await runChecked(['mknod', join(upperEtc, relDir, name), 'c', '0', '0'])
}

async function generateHostKeys(upperEtc: string): Promise<void> {
  const sshDir = join(upperEtc, 'ssh')
  const ours = new Set<string>()
  for (const type of ['ed25519', 'ecdsa'] as const) {
    const file = `ssh_host_${type}_key`
    await runChecked([
      'ssh-keygen',
      '-q',
      '-t',
      type,
      '-N',
      '',
      '-C',
      'root@dolly-host',
      '-f',
      join(sshDir, file),
    ])
    ours.add(file).add(`${file}.pub`)
  }
  // The machine's other host keys would show through the lower layer: a host must not read the
  // machine's private keys.
  await whiteOut(upperEtc, 'ssh', (name) => name.startsWith('ssh_host_') && !ours.has(name))
}

/**
 * Builds a host's layer directory: `rootfs/` (the mount point tree with symlinks as on the machine),
 * `upper/<dir>` and `work/<dir>` per copy-on-write directory, and the host's own /etc files in the
 * upper layer. Returns the directories the init script mounts as overlays.
 */
export async function prepareLayer(spec: LayerSpec): Promise<string[]> {
  const rootfs = join(spec.layerDir, 'rootfs')
  await mkdir(rootfs, { recursive: true, mode: 0o755 })
  const overlayDirs: string[] = []
  for (const name of OVERLAY_DIRS) {
    let info
    try {
      info = await lstat(`/${name}`)
    } catch {
      continue
    }
    if (info.isSymbolicLink()) {
      await symlink(await readlink(`/${name}`), join(rootfs, name))
    } else if (info.isDirectory()) {
      await mkdir(join(rootfs, name), { mode: 0o755 })
      await mkdir(join(spec.layerDir, 'upper', name), { recursive: true, mode: 0o755 })
      await mkdir(join(spec.layerDir, 'work', name), { recursive: true, mode: 0o700 })
      overlayDirs.push(name)
    }
  }
  for (const name of EMPTY_DIRS) await mkdir(join(rootfs, name), { mode: 0o755 })
  await chmod(join(rootfs, 'root'), 0o700)
  await chmod(join(rootfs, 'tmp'), 0o1777)
  for (const file of ['.bashrc', '.profile']) {
    try {
      await copyFile(`/etc/skel/${file}`, join(rootfs, 'root', file))
    } catch {
      // A machine without /etc/skel still gives a working root account, just without shell niceties.
    }
  }
  if (!overlayDirs.includes('etc'))
    throw new HostsError('WORLD_HOSTS_CREATE_FAILED', 'the machine has no /etc directory to base a host on')
  const etc = join(spec.layerDir, 'upper', 'etc')
  await writeFile(join(etc, 'hostname'), `${spec.hostname}\n`)
  await writeFile(join(etc, 'hosts'), renderEtcHosts(spec.hostname, spec.ip))
  // Every server has its own machine-id (systemd's machine-id(5)); sharing the machine's would make
  // all hosts one machine to anything that keys on it.
  await writeFile(join(etc, 'machine-id'), `${randomBytes(16).toString('hex')}\n`, { mode: 0o444 })
  const shadowInfo = await stat('/etc/shadow')
  const shadow = renderShadow(await readFile('/etc/shadow', 'utf8'), await hashPassword(spec.rootPassword))
  await writeFile(join(etc, 'shadow'), shadow, { mode: 0o640 })
  await chown(join(etc, 'shadow'), shadowInfo.uid, shadowInfo.gid)
  await chmod(join(etc, 'shadow'), shadowInfo.mode & 0o777)
  const sshDir = join(etc, 'ssh')
  await mkdir(sshDir, { mode: 0o755 })
  await writeFile(join(sshDir, 'sshd_config'), renderSshdConfig(spec.ip), { mode: 0o644 })
  await generateHostKeys(etc)
  // The machine's TLS private keys (e.g. ssl-cert's snakeoil key) are not the host's either.
  await whiteOut(etc, 'ssl/private', () => true)
  return overlayDirs
}
